// The header of every page inside a launch links to the person's dashboard, which has its own
// address (/app/<launch>/dashboard), labelled for their role and in the LMS's language; the
// launch's first landing is recorded once in the database. Real PostgreSQL, the simulated
// Moodle 4.5 over real HTTP.
import { launchAs, type Person, text } from '../assessment/support';
import type { PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** The links in the page header's navigation, with aria-current="page" as `current`. */
function headerLinks(html: string): { href: string; label: string; current?: true }[] {
  const header = /<header class="top">([\s\S]*?)<\/header>/.exec(html)?.[1] ?? '';
  const nav = /<nav\b[^>]*>([\s\S]*?)<\/nav>/.exec(header)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"([^>]*)>([\s\S]*?)<\/a>/g)].map((m) => ({
    href: m[1],
    label: text(m[3]).trim(),
    ...(/aria-current="page"/.test(m[2]) ? { current: true as const } : {}),
  }));
}

const pathOf = (p: Person) => new URL(p.base).pathname;

async function launchIn(who: keyof typeof USERS, locale = 'en'): Promise<Person> {
  sim.locale = locale;
  try {
    return await launchAs(tool, sim, who);
  } finally {
    sim.locale = 'en';
  }
}

it.each([
  ['instructor', 'en', 'Course dashboard', 'Micro-credentials in this course'],
  ['learner', 'en', 'My credentials', 'My badges'],
  ['admin', 'en', 'microcred administration', 'Open the admin console'],
  ['instructor', 'nl-NL', 'Cursusdashboard', 'Microcredentials in deze cursus'],
  ['learner', 'nl-NL', 'Mijn microcredentials', 'Mijn badges'],
] as const)('%s (%s): the header links to the dashboard as “%s”, on the dashboard and on every other page', async (who, locale, label, content) => {
  const person = await launchIn(who, locale);
  const dashboard = `${pathOf(person)}/dashboard`;
  const page = await person.browser.get(`${tool.base}${dashboard}`);
  expect(page.status).toBe(200);
  expect(text(page.body)).toContain(content);
  // Learners also get "My pathways" (issue 18), in their language.
  const pathways = who === 'learner' ? [{ href: `${pathOf(person)}/pathways`, label: locale === 'en' ? 'My pathways' : 'Mijn leerroutes' }] : [];
  expect(headerLinks(page.body)).toEqual([{ href: dashboard, label, current: true }, ...pathways]);
  expect(page.body).toMatch(new RegExp(`<a class="brand" href="${dashboard}"`));
  // An error page inside the launch keeps the way back.
  const missing = await person.browser.get(`${person.base}/credentials/999999`);
  expect(missing.status).toBeGreaterThanOrEqual(400);
  expect(headerLinks(missing.body)).toEqual([{ href: dashboard, label }, ...pathways]);
});

it('records the first landing of a launch once, in the database', async () => {
  const teacher = await launchIn('instructor');
  const launchId = pathOf(teacher).split('/').pop();
  const landedAt = async () =>
    (await tool.database.pool.query('SELECT landed_at FROM launch_sessions WHERE id = $1', [launchId])).rows[0].landed_at as Date | null;
  const first = await landedAt();
  expect(first).toBeInstanceOf(Date);
  await teacher.browser.get(teacher.base);
  expect(await landedAt()).toEqual(first);
});

it.each([
  ['instructor', 'en', 'Design pathways'],
  ['learner', 'nl-NL', 'Leerroutes ontwerpen'],
] as const)('a programme coordinator (%s, %s) gets “%s” in the header; others do not', async (who, locale, label) => {
  const before = await launchIn(who, locale);
  const design = (p: Person) => `${pathOf(p)}/pathways/design`;
  const dashboardOf = async (p: Person) => headerLinks((await p.browser.get(`${tool.base}${pathOf(p)}/dashboard`)).body);
  expect((await dashboardOf(before)).map((l) => l.href)).not.toContain(design(before));
  // An administrator makes them a coordinator (pathway_coordinators); the flag is read with the launch.
  const { rows } = await tool.database.pool.query('SELECT user_id FROM launch_sessions WHERE id = $1', [pathOf(before).split('/').pop()]);
  await tool.database.pool.query('INSERT INTO pathway_coordinators (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [rows[0].user_id]);
  try {
    const links = await dashboardOf(before);
    expect(links).toContainEqual({ href: design(before), label });
    // The link leads to the designer, which lets them in, and marks itself current there.
    const designer = await before.browser.get(`${tool.base}${design(before)}`);
    expect(designer.status).toBe(200);
    expect(headerLinks(designer.body)).toContainEqual({ href: design(before), label, current: true });
  } finally {
    await tool.database.pool.query('DELETE FROM pathway_coordinators WHERE user_id = $1', [rows[0].user_id]);
  }
  expect((await dashboardOf(before)).map((l) => l.href)).not.toContain(design(before));
});
