/** The console's one stylesheet: readable on a phone, no framework. Served at /assets/console.css. */
export const CONSOLE_CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#d8dce3; --bg:#f6f7f9; --ok:#17803d; --warn:#a15c00; --err:#b42318; --acc:#2557d6; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; align-items:center; justify-content:space-between; padding:.75rem 1rem; background:#fff; border-bottom:1px solid var(--line); }
header nav { display:flex; flex-wrap:wrap; gap:.25rem 1rem; align-items:center; }
.brand { font-weight:700; color:var(--fg); text-decoration:none; }
a { color:var(--acc); }
main { max-width:72rem; margin:0 auto; padding:1rem; }
h1 { font-size:1.5rem; margin:.5rem 0 1rem; }
h2 { font-size:1.2rem; margin:1.5rem 0 .5rem; }
section, fieldset, details { background:#fff; border:1px solid var(--line); border-radius:8px; padding:1rem; margin:0 0 1rem; }
fieldset legend, details summary { font-weight:600; }
details summary { cursor:pointer; }
.field { margin:0 0 1rem; }
.field label { display:block; font-weight:600; }
.hint { display:block; color:var(--muted); font-size:.9rem; margin:.15rem 0 .35rem; }
input[type=text], input[type=password], input[type=url], input[type=tel], input[type=number], input[type=search], select, textarea {
  width:100%; max-width:40rem; padding:.55rem .6rem; font:inherit; border:1px solid #b9c0cc; border-radius:6px; background:#fff; }
input[aria-invalid=true] { border-color:var(--err); }
.field-error { color:var(--err); font-size:.9rem; margin:.25rem 0 0; }
.choices { display:grid; grid-template-columns:repeat(auto-fill, minmax(14rem, 1fr)); gap:.25rem 1rem; margin:.25rem 0; padding:0; border:0; }
.choices label { font-weight:400; }
button, .button { display:inline-block; padding:.6rem 1.1rem; font:inherit; border:1px solid var(--acc); border-radius:6px; background:var(--acc); color:#fff; cursor:pointer; text-decoration:none; }
button.secondary { background:#fff; color:var(--acc); }
button.danger { background:#fff; color:var(--err); border-color:var(--err); }
button.link { background:none; border:0; padding:0; color:var(--acc); text-decoration:underline; }
form.inline { display:inline; }
.actions { display:flex; flex-wrap:wrap; gap:.75rem; margin:1rem 0; }
.notice { padding:.75rem 1rem; border-radius:8px; margin:0 0 1rem; border:1px solid var(--line); background:#fff; }
.notice.error { border-color:var(--err); color:var(--err); }
.notice.ok { border-color:var(--ok); color:var(--ok); }
.checklist { list-style:none; padding:0; margin:0; }
.checklist li { padding:.6rem 0 .6rem 2rem; border-bottom:1px solid var(--line); position:relative; }
.checklist li::before { position:absolute; left:.25rem; font-weight:700; }
.checklist li.ok::before { content:"✓"; color:var(--ok); }
.checklist li.warning::before { content:"!"; color:var(--warn); }
.checklist li.error::before { content:"✗"; color:var(--err); }
.checklist li.skipped::before { content:"–"; color:var(--muted); }
.status { font-weight:600; }
.status.ok, .status.active { color:var(--ok); }
.status.warning, .status.draft { color:var(--warn); }
.status.error, .status.disabled { color:var(--err); }
.status.skipped { color:var(--muted); }
.table-wrap { overflow-x:auto; }
.trigger-list td:first-child { min-width:10em; }
.trigger-list td:nth-child(2), .trigger-list td:nth-child(3) { white-space:nowrap; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { text-align:left; vertical-align:top; padding:.5rem .6rem; border-bottom:1px solid var(--line); }
th { font-size:.9rem; color:var(--muted); }
code, pre { font:14px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { white-space:pre-wrap; word-break:break-word; margin:.25rem 0 0; background:var(--bg); padding:.5rem; border-radius:6px; }
.muted { color:var(--muted); }
.login { max-width:26rem; }
main, section, td, th, li, p, code, .hint { overflow-wrap:anywhere; }
.timeline { list-style:none; padding:0; margin:0; }
.timeline > li { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.6rem .8rem; margin:0 0 .5rem; }
.timeline .when { display:block; color:var(--muted); font-size:.85rem; }
.timeline .event-text { margin:.2rem 0 0; }
.timeline details.raw { border:0; padding:0; margin:.35rem 0 0; background:none; }
.timeline details.raw summary { font-weight:400; color:var(--muted); font-size:.9rem; }
.notice.progress { border-color:var(--acc); color:var(--acc); }
form[aria-busy=true] button { opacity:.6; cursor:progress; }
.small { font-size:.85rem; }
.inline-search { margin:0; align-items:center; }
.inline-search input { width:auto; flex:1 1 12rem; }
.filters { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:flex-end; margin:0 0 1rem; }
.filters label { display:flex; flex-direction:column; font-size:.9rem; color:var(--muted); flex:1 1 10rem; min-width:0; }
.filters input, .filters select { max-width:100%; }
.filters input[type=date] { padding:.55rem .6rem; font:inherit; border:1px solid #b9c0cc; border-radius:6px; background:#fff; }
.incident h2 { margin-top:0; font-size:1.1rem; }
.incident h3 { font-size:1rem; margin:.75rem 0 .25rem; }
.subjects { margin:.25rem 0; padding-left:1.25rem; }
@media (max-width: 40rem) {
  main { padding:.75rem; }
  th, td { padding:.4rem; }
  .hide-narrow { display:none; }
}
`;
