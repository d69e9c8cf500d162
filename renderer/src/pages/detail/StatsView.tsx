// CPU and memory over time, drawn with uPlot.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StatsSample } from '../../../../app/api/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApi } from '../../lib/api-context';
import { bytes } from '../../lib/format';

const KEEP = 180;

export default function StatsView({ id }: { id: string }) {
  const api = useApi();
  const samples = useRef<StatsSample[]>([]);
  const [last, setLast] = useState<StatsSample>();
  const [error, setError] = useState<Error>();
  const cpuEl = useRef<HTMLDivElement>(null);
  const memEl = useRef<HTMLDivElement>(null);
  const plots = useRef<{ cpu?: uPlot; mem?: uPlot }>({});

  useEffect(() => {
    const width = () => Math.max(300, (cpuEl.current?.clientWidth ?? 600) - 8);
    const axisColor = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#888';
    const gridColor = getComputedStyle(document.documentElement).getPropertyValue('--line').trim() || '#ddd';
    const axes = (fmt: (v: number) => string): uPlot.Axis[] => [
      { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
      {
        stroke: axisColor,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor },
        values: (_u, vs) => vs.map(fmt),
        size: 70,
      },
    ];
    const mk = (el: HTMLDivElement, label: string, color: string, fmt: (v: number) => string) =>
      new uPlot(
        {
          width: width(),
          height: 180,
          legend: { show: false },
          scales: {
            // The last two minutes at most; at least half a minute wide while the first samples come in.
            x: {
              time: true,
              range: (_u, min, max) => {
                const lo = Math.max(min, max - 120);
                return [lo, Math.max(max, lo + 30)];
              },
            },
            y: { range: (_u, _min, max) => [0, Math.max(max * 1.2, label === 'CPU' ? 5 : 1024 * 1024)] },
          },
          series: [{}, { label, stroke: color, fill: color + '33', width: 2 }],
          axes: axes(fmt),
        },
        [[], []],
        el,
      );
    if (cpuEl.current && memEl.current) {
      plots.current.cpu = mk(cpuEl.current, 'CPU', '#2f7de1', (v) => `${v.toFixed(0)} %`);
      plots.current.mem = mk(memEl.current, 'Memory', '#8a4fd6', (v) => bytes(v));
    }
    const onResize = () => {
      plots.current.cpu?.setSize({ width: width(), height: 180 });
      plots.current.mem?.setSize({ width: width(), height: 180 });
    };
    window.addEventListener('resize', onResize);
    const s = api.subscribe(
      'container.stats',
      { id },
      {
        onData: (x) => {
          const xs = samples.current;
          xs.push(x);
          if (xs.length > KEEP) xs.shift();
          const t = xs.map((p) => p.t / 1000);
          plots.current.cpu?.setData([t, xs.map((p) => p.cpuPercent)]);
          plots.current.mem?.setData([t, xs.map((p) => p.memBytes)]);
          setLast(x);
        },
        onEnd: (e) => e && setError(e),
      },
    );
    return () => {
      s.stop();
      window.removeEventListener('resize', onResize);
      plots.current.cpu?.destroy();
      plots.current.mem?.destroy();
      plots.current = {};
    };
  }, [api, id]);

  return (
    // The end-to-end test waits on the count; as of the last render is enough for it.
    // eslint-disable-next-line react-hooks/refs
    <div className="stats" data-samples={samples.current.length}>
      {error && <ErrorBox error={error} />}
      <div className="stat-cards">
        <div className="card">
          <div className="muted">CPU (of one core = 100 %)</div>
          <div className="big" data-testid="stat-cpu">
            {last ? `${last.cpuPercent.toFixed(1)} %` : '…'}
          </div>
        </div>
        <div className="card">
          <div className="muted">Memory</div>
          <div className="big" data-testid="stat-mem">
            {last ? `${bytes(last.memBytes)}` : '…'}
          </div>
          <div className="muted small-text">{last?.memLimit ? `of ${bytes(last.memLimit)}` : ''}</div>
        </div>
      </div>
      <h3>CPU over time</h3>
      <div ref={cpuEl} className="chart" />
      <h3>Memory over time</h3>
      <div ref={memEl} className="chart" />
    </div>
  );
}
