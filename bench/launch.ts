// Times full OIDC launches (login → platform auth → id_token POST → landing page)
// against the platform simulator on a real PostgreSQL. Run: npm run bench:launch [N]
import { readForm, TestBrowser } from '../test/support/browser';
import { loginUrl } from '../test/support/launch';
import { PlatformSimulator } from '../test/support/platformSimulator';
import { startTestTool } from '../test/support/tool';

const N = Number(process.argv[2] ?? 200);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const tool = await startTestTool();
  const sim = await new PlatformSimulator('moodle').start();
  sim.toolLaunchUrl = `${tool.base}/lti/launch`;
  await tool.platforms.create(sim.registration());
  const phases = { login: [] as number[], launchPost: [] as number[], landing: [] as number[], total: [] as number[] };
  const run = async () => {
    const b = new TestBrowser();
    const t0 = performance.now();
    const login = await b.get(loginUrl(tool, sim, 'learner'), false);
    const t1 = performance.now();
    const auth = await b.get(login.headers.get('location')!);
    const form = readForm(auth.body);
    const t2 = performance.now();
    const post = await b.post(form.action, form.fields, false);
    const t3 = performance.now();
    const landing = await b.get(new URL(post.headers.get('location')!, tool.base).toString());
    const t4 = performance.now();
    if (landing.status !== 200) throw new Error(`launch failed: ${landing.status}`);
    phases.login.push(t1 - t0);
    phases.launchPost.push(t3 - t2);
    phases.landing.push(t4 - t3);
    phases.total.push(t4 - t0);
  };
  for (let i = 0; i < 20; i++) await run(); // warm-up
  for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k].length = 0;
  const start = performance.now();
  for (let i = 0; i < N; i++) await run();
  const secs = (performance.now() - start) / 1000;
  console.log(`${N} sequential launches in ${secs.toFixed(2)} s: ${(N / secs).toFixed(1)} launches/s`);
  console.log('phase            p50        p99');
  for (const [k, v] of Object.entries(phases)) console.log(`${k.padEnd(14)} ${ms(pct(v, 50)).padStart(9)}  ${ms(pct(v, 99)).padStart(9)}`);
  console.log(`RSS after run: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB (tool, simulator and client share this process)`);
  await tool.stop();
  await sim.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
