// Creates (or re-saves) the demo connection through the console's JSON API, the way an operator's
// automation would: the console runs its live checks against the sandbox and activates the connection.
// Usage: node scripts/demo-connection.mjs <demo.json> <console url>  (CONSOLE_USER / CONSOLE_PASSWORD from the env)
import { readFileSync } from 'node:fs';

const [demoFile, consoleUrl] = process.argv.slice(2);
const { connection } = JSON.parse(readFileSync(demoFile, 'utf8'));
const headers = {
  authorization: `Basic ${Buffer.from(`${process.env.CONSOLE_USER}:${process.env.CONSOLE_PASSWORD}`).toString('base64')}`,
  'content-type': 'application/json',
};
const call = async (method, path, body) => {
  const response = await fetch(`${consoleUrl}/api/connections${path}`, {
    method,
    headers,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
};

let answer = await call('POST', '', connection);
if (answer.status === 409) {
  const { body } = await call('GET', '');
  const existing = body.connections.find((c) => c.lifeposOrgId === connection.lifeposOrgId);
  answer = await call('PATCH', `/${existing.id}`, connection);
}
for (const line of answer.body.checks?.lines ?? [])
  console.log(`  [${line.status}] ${line.title ?? line.id}`);
if (answer.status >= 300 || answer.body.connection?.status !== 'active') {
  console.error(
    `the demo connection was not activated (HTTP ${answer.status}): ${JSON.stringify(answer.body.error ?? answer.body)}`,
  );
  process.exit(1);
}
console.log(`demo connection ${answer.body.connection.id} is active`);
