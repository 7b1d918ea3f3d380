import { defineConfig } from 'prisma/config';

// `generate` never connects, so the URL may be unset there; `env('DATABASE_URL')` would throw instead.
export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL },
});
