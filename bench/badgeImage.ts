// Badge image rendering, measured (it used to be a timing assert in test/badges/badgeImage.test.ts,
// which failed on a loaded machine and proved nothing about behaviour).
//   png     badgePng: the default badge with its title at its default size (400 px), by resvg.
//   design  a shield designed from the templates, title and level as text, at 600 px (the
//           size of the Achievement image and the baked PNG).
// Run: npm run bench:image [N]
import { badgePng, designSvg, renderSvgToPng } from '../src/badges/badgeImage';

const N = Number(process.argv[2] ?? 50);

function timed(label: string, work: (i: number) => unknown) {
  work(-1); // warm-up: fonts and the renderer load once
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    work(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(N / 2)];
  console.log(`${label.padEnd(8)} ${N} renders  median ${median.toFixed(1).padStart(6)} ms  p95 ${ms[Math.floor(N * 0.95)].toFixed(1).padStart(6)} ms`);
}

timed('png', (i) => badgePng({ seed: `bench-${i}`, title: 'Laboratory practice' }));
timed('design', (i) =>
  renderSvgToPng(
    designSvg({
      design: { shape: 'shield', background: '#FDE68A', foreground: '#1F2937', icon: 'book' },
      title: `Laboratory practice ${i}`,
      level: 'EQF level 6',
    }),
    600,
  ),
);
