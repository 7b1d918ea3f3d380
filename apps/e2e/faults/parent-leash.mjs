// Preloaded (`--import`) into the app processes the fault suite and the benchmarks start: when the process
// that started them is gone (a Jest worker or a benchmark killed mid-run), they exit instead of living on
// as orphans retrying a Redis that no longer exists. The app itself is not changed.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
