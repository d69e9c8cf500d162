import { buildRunSpec } from './RunForm';

describe('buildRunSpec', () => {
  it('builds ports, environment and volumes, skipping empty rows', () => {
    const spec = buildRunSpec(
      'nginx',
      'web',
      [
        { container: '80', host: '8080' },
        { container: '', host: '' },
      ],
      [{ key: 'A', value: 'b=c' }],
      [{ source: 'data', target: '/data', readOnly: true }],
      'nginx -g "daemon off;"',
    );
    expect(spec).toEqual({
      image: 'nginx',
      name: 'web',
      ports: [{ container: '80', host: 8080 }],
      env: ['A=b=c'],
      volumes: [{ source: 'data', target: '/data', readOnly: true }],
      cmd: 'nginx -g "daemon off;"',
    });
  });
  it('names the bad field', () => {
    expect(buildRunSpec('x', '', [{ container: 'http', host: '' }], [], [], '')).toBe(
      'Port 1: the container port must be a number like 80 or 53/udp.',
    );
    expect(buildRunSpec('x', '', [{ container: '80', host: '70000' }], [], [], '')).toMatch(/^Port 1: the host port/);
    expect(buildRunSpec('x', '', [], [], [{ source: 'v', target: 'data', readOnly: false }], '')).toMatch(
      /^Volume 1: the container path must be absolute/,
    );
    expect(buildRunSpec('x', 'bad name', [], [], [], '')).toMatch(/^Name:/);
  });
});
