/**
 * The controller's /metrics server (platform/observability/gauge-endpoint.ts):
 * Prometheus text format with label values escaped, gauges read at each
 * scrape, only GET /metrics served, and a bad or taken address named.
 */
import { exposition, startGaugeEndpoint, type Gauge } from '../../platform/observability/gauge-endpoint';

test('the text format: HELP and TYPE, an empty label left out, \\ " and newline escaped', () => {
  const g: Gauge = {
    name: 'xpuflow_controller_leader',
    help: 'leads (1)\nor not',
    read: () => [
      { labels: { lease: 'ns/a"b\\c\nd' }, value: 1 },
      { labels: { lease: '' }, value: 0 },
    ],
  };
  expect(exposition([g])).toBe(
    '# HELP xpuflow_controller_leader leads (1)\\nor not\n' +
      '# TYPE xpuflow_controller_leader gauge\n' +
      'xpuflow_controller_leader{lease="ns/a\\"b\\\\c\\nd"} 1\n' +
      'xpuflow_controller_leader 0\n',
  );
});

test('serves the value of the moment at GET /metrics, 404 elsewhere; a taken port is named', async () => {
  let leading = 0;
  const ep = await startGaugeEndpoint('127.0.0.1:0', [
    { name: 'x_leader', help: 'h', read: () => [{ labels: { lease: 'ns/l' }, value: leading }] },
  ]);
  try {
    const get = async (p: string) => {
      const r = await fetch(`http://${ep.address}${p}`);
      return [r.status, r.headers.get('content-type'), await r.text()];
    };
    expect((await get('/metrics'))[2]).toContain('x_leader{lease="ns/l"} 0\n');
    leading = 1;
    const [status, type, body] = await get('/metrics');
    expect([status, type]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    expect(body).toContain('x_leader{lease="ns/l"} 1\n');
    expect((await get('/'))[0]).toBe(404);
    await expect(startGaugeEndpoint(ep.address, [])).rejects.toThrow(
      new RegExp(`metrics address ${ep.address} cannot be listened on \\(EADDRINUSE\\)`),
    );
  } finally {
    await ep.close();
  }
  await expect(startGaugeEndpoint('localhost', [])).rejects.toThrow(/"localhost" is not host:port/);
});
