// Baselines for the ingress benchmark, in a process of their own like the ingress: express's hello world,
// answering the same POST the ingress gets (and /healthz, which the benchmark waits for); and, under
// PARSED_PREFIX, the same POST read by the ingress's body parsers and answered 202 with nothing stored —
// the most any express ingress that reads the trigger can answer on the machine.
import express from 'express';

const PARSED_PREFIX = '/parsed';

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.send('ok');
});
app.post('/retailCRM/update', (_req, res) => {
  res.send('Hello World!');
});
app.post(
  `${PARSED_PREFIX}/retailCRM/update`,
  express.json({ limit: '16kb' }),
  express.urlencoded({ extended: false, limit: '16kb' }),
  (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body?.client_id !== 'string') res.status(400).json({ error: 'client_id missing' });
    else res.status(202).json({ accepted: true });
  },
);
app.listen(Number(process.env.PORT), '127.0.0.1');
