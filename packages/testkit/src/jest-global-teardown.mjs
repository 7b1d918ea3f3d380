export default async function globalTeardown() {
  const services = globalThis.__connectorTestServices ?? [];
  await Promise.all(services.map((service) => service.dispose()));
}
