// Baseline for the ingress benchmark: express's hello world, in a process of its own like the ingress,
// answering the same POST the ingress gets (and /healthz, which the benchmark waits for).
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.send('ok');
});
app.post('/retailCRM/update', (_req, res) => {
  res.send('Hello World!');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
