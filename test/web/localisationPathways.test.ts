// Issue 18 follow-up, on real PostgreSQL with the platform simulator: the pathway pages speak
// the LMS's language inside a launch (launch_presentation.locale nl-NL: Dutch, English when
// the LMS says en) and the browser's on the public page, with the sentences the code writes
// (validation, rule problems, the rules in words, refusals) translated too. No page shows a
// raw catalogue key, and every Dutch sentence of locales/nl/_messages-pathways.json is still
// written somewhere in src/.
import fs from 'node:fs';
import path from 'node:path';
import { loadCatalogues } from '../../src/i18n';
import { launchAs, type Person, publishCredential } from '../assessment/support';
import { type Page, readableText, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { compositeDefinition, definitionTitled } from '../pathways/support';

let tool: TestTool;
let sim: PlatformSimulator;
let credentialId: number;
let pathwayId: number;
let draftId: number;

const visible = (html: string) => readableText(html, { labels: true });
const KEYS = [...loadCatalogues().get('en')!.keys()];
const rawKeys = (text: string) =>
  [...text.matchAll(/\b(?:pathways|common|credentials|errors)\.[a-zA-Z][\w.-]*/g)]
    .map((m) => m[0].replace(/\.$/, ''))
    .filter((k) => KEYS.some((key) => key === k || key.startsWith(`${k}.`)));

function expectPage(page: Page, lang: 'en' | 'nl', status = 200) {
  expect({ url: page.url, status: page.status }).toEqual({ url: page.url, status });
  expect(page.body).toContain(`<html lang="${lang}">`);
  expect(rawKeys(visible(page.body))).toEqual([]);
}

async function launchWith(who: keyof typeof USERS, locale: string): Promise<Person> {
  sim.locale = locale;
  try {
    return await launchAs(tool, sim, who);
  } finally {
    sim.locale = 'en';
  }
}

const userOf = async (p: Person) =>
  (await tool.database.pool.query('SELECT user_id FROM launch_sessions WHERE id = $1', [new URL(p.base).pathname.split('/').pop()])).rows[0].user_id as number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  const teacher = await launchAs(tool, sim, 'instructor');
  credentialId = await publishCredential(tool, teacher, definitionTitled('Research Data Management', 3));
  const admin = { label: 'admin:test', userId: null };
  const rules = {
    components: [{ key: 'rdm', title: 'Research Data Management', ref: { type: 'internal' as const, credentialId } }],
    required: [],
    groups: [],
    minCredits: 3,
  };
  const published = await tool.pathways.create(
    { title: 'Data Steward', description: 'Research data, 3 ECTS.', kind: 'open', rules, definition: compositeDefinition() },
    admin,
  );
  await tool.pathways.publish(published.id, admin);
  pathwayId = published.id;
  // A draft that is not ready: no components, no credits.
  const draft = await tool.pathways.create(
    { title: 'Half a pathway', description: '', kind: 'open', rules: { components: [], required: [], groups: [] }, definition: compositeDefinition() },
    admin,
  );
  draftId = draft.id;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

describe('a learner whose LMS speaks Dutch', () => {
  it('sees My pathways, following a pathway, its progress and a refusal in Dutch', async () => {
    const learner = await launchWith('learner', 'nl-NL');
    const page = await learner.browser.get(`${learner.base}/pathways`);
    expectPage(page, 'nl');
    expect(page.body).toContain('<title>Mijn leerroutes</title>');
    let text = visible(page.body);
    for (const dutch of [
      'Mijn leerresultatendossier downloaden',
      'Nog geen van je microcredentials telt mee',
      'Andere leerroutes',
      'Externe prestaties',
      'Verifiëren en toevoegen',
    ])
      expect(text).toContain(dutch);
    expect(text).not.toContain('Other pathways');

    const follow = readForm(page.body, new RegExp(`/pathways/${pathwayId}/follow$`));
    const followed = await learner.browser.post(`${tool.base}${follow.action}`, follow.fields);
    expectPage(followed, 'nl');
    text = visible(followed.body);
    for (const dutch of [
      'Je volgt deze leerroute nu.',
      'Leerroute (open)',
      '0 EC behaald',
      'Voortgang per regel',
      'studiepunten 0/3',
      'nog niet voldaan',
      'ontbreekt',
      'Niet meer volgen',
    ])
      expect(text).toContain(dutch);

    const bring = readForm(followed.body, /\/pathways\/external$/);
    const refused = await learner.browser.post(`${tool.base}${bring.action}`, { ...bring.fields, credential: '' });
    expectPage(refused, 'nl', 422);
    expect(visible(refused.body)).toContain('Plak de Open Badge (JSON of JWT) die je wilt toevoegen.');
  });

  it('is refused the designer in Dutch when not a coordinator', async () => {
    const learner = await launchWith('learner', 'nl-NL');
    const refused = await learner.browser.get(`${learner.base}/pathways/design`);
    expectPage(refused, 'nl', 403);
    expect(visible(refused.body)).toContain('Leerroutes ontwerpen is voorbehouden aan opleidingscoördinatoren.');
  });
});

describe('a coordinator whose LMS speaks Dutch', () => {
  let coordinator: Person;
  let design: string;
  beforeAll(async () => {
    coordinator = await launchWith('instructor', 'nl-NL');
    await tool.database.pool.query('INSERT INTO pathway_coordinators (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [await userOf(coordinator)]);
    design = `${coordinator.base}/pathways/design`;
  });

  it('sees the list, the designer with its validation, the readiness panel and the cohort in Dutch', async () => {
    const list = await coordinator.browser.get(design);
    expectPage(list, 'nl');
    expect(list.body).toContain('<title>Leerroutes</title>');
    let text = visible(list.body);
    for (const dutch of [
      'Leerroutes ontwerpen',
      'Een nieuwe leerroute ontwerpen',
      'gepubliceerd',
      'concept',
      'Samengestelde microcredentials die op een besluit wachten',
      'Externe prestaties die op goedkeuring wachten',
    ])
      expect(text).toContain(dutch);
    expect(text).not.toContain('Design a new pathway');

    const blank = await coordinator.browser.get(`${design}/new`);
    expectPage(blank, 'nl');
    text = visible(blank.body);
    for (const dutch of [
      'Nieuwe leerroute',
      'Open: alle onderdelen die samen genoeg studiepunten opleveren',
      'De samengestelde microcredential (bijlage I)',
      'Erkenning van eerder verworven competenties (EVC)',
      'Concept opslaan',
    ])
      expect(text).toContain(dutch);
    const form = readForm(blank.body, /\/new$/);
    const invalid = await coordinator.browser.post(`${tool.base}${form.action}`, { ...form.fields, title: '', minCredits: 'veel' });
    expectPage(invalid, 'nl', 422);
    text = visible(invalid.body);
    for (const dutch of ['Sommige velden vragen aandacht: zie hieronder.', 'Geef de leerroute een titel.', 'Vul een getal in van 0.5 tot en met 300.'])
      expect(text).toContain(dutch);
    expect(text).not.toContain('Give the pathway a title.');

    const draft = await coordinator.browser.get(`${design}/${draftId}`);
    expectPage(draft, 'nl');
    text = visible(draft.body);
    for (const dutch of [
      'Status: concept · open',
      'Nog niet klaar om te publiceren',
      'Voeg minstens één onderdeel toe.',
      'Een open leerroute heeft een minimaal totaal aantal studiepunten nodig.',
    ])
      expect(text).toContain(dutch);

    const published = await coordinator.browser.get(`${design}/${pathwayId}`);
    expectPage(published, 'nl');
    expect(visible(published.body)).toContain('Minstens 3 EC uit de onderdelen.');

    const cohort = await coordinator.browser.get(`${design}/${pathwayId}/cohort`);
    expectPage(cohort, 'nl');
    expect(cohort.body).toContain('<title>Cohort: Data Steward</title>');
    text = visible(cohort.body);
    for (const dutch of ['Alle leerroutes', 'Downloaden als CSV', 'Studiepunten', 'Studenten', 'Volgt', 'bezig']) expect(text).toContain(dutch);
  });

  it('sees a refusal in Dutch', async () => {
    const refused = await coordinator.browser.get(`${design}/999999`);
    expectPage(refused, 'nl', 404);
    expect(visible(refused.body)).toContain('Die leerroute bestaat niet.');
  });
});

describe('in English', () => {
  it('keeps the pathway pages English for an English LMS', async () => {
    const learner = await launchWith('learner', 'en');
    const page = await learner.browser.get(`${learner.base}/pathways`);
    expectPage(page, 'en');
    expect(page.body).toContain('<title>My pathways</title>');
    expect(visible(page.body)).not.toContain('leerroute');
  });
});

describe('the public pathway page follows the browser', () => {
  it('is Dutch for Accept-Language nl and English otherwise', async () => {
    const browser = new TestBrowser();
    const dutch = await browser.request(`${tool.base}/pathways/${pathwayId}`, { headers: { 'accept-language': 'nl-NL,nl;q=0.9' } });
    expectPage(dutch, 'nl');
    let text = visible(dutch.body);
    for (const nl of ['Regels', 'Onderdelen', 'De catalogus', 'Minstens 3 EC uit de onderdelen.']) expect(text).toContain(nl);
    const english = await browser.request(`${tool.base}/pathways/${pathwayId}`, { headers: { 'accept-language': 'en' } });
    expectPage(english, 'en');
    text = visible(english.body);
    for (const en of ['Rules', 'Components', 'The catalogue', 'At least 3 ECTS credits from the components.']) expect(text).toContain(en);
  });
});

// --- No stale translations ------------------------------------------------------------

const SRC = path.resolve(__dirname, '..', '..', 'src');
const sourceTexts = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceTexts(full);
    return entry.name.endsWith('.ts') ? [fs.readFileSync(full, 'utf8')] : [];
  });
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('locales/nl/_messages-pathways.json', () => {
  const entries = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'locales', 'nl', '_messages-pathways.json'), 'utf8')) as Record<
    string,
    string
  >;
  const sources = sourceTexts(SRC);
  const all = sources.join('\n');
  const templates = sources
    .flatMap((text) => [...text.matchAll(/`([^`]*\$\{[^`]*)`/g)].map((m) => m[1]))
    .map((body) => body.split(/\$\{[^}]*\}/))
    .filter((parts) => parts.join('').replace(/\s/g, '').length >= 10)
    .map((parts) => new RegExp(`^${parts.map(escapeRegExp).join('.+')}$`, 's'));
  const written = (sentence: string): boolean => {
    if (all.includes(sentence)) return true;
    const sample = sentence.replace(/\{\w+\}/g, 'x');
    return templates.some((pattern) => pattern.test(sample));
  };

  it('recognises a sentence src/ does not write', () => {
    expect(written('Give the pathway a subtitle.')).toBe(false);
    expect(written('Give the pathway a title.')).toBe(true);
    expect(written('Line {line}: write “group name = how many”.')).toBe(true);
  });

  it('translates only sentences that src/ still writes, with the same {placeholders}', () => {
    const stale = Object.keys(entries).filter((key) => !written(key));
    expect(stale).toEqual([]);
    const names = (s: string) =>
      [...s.matchAll(/\{(\w+)\}/g)]
        .map((m) => m[1])
        .sort()
        .join();
    expect(Object.entries(entries).filter(([en, nl]) => names(en) !== names(nl))).toEqual([]);
  });
});
