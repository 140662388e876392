// Sentences the code writes that learners and assessors read (evidence still needed, upload
// and submit refusals, verification checks, survey errors) reach them in Dutch through
// locales/nl/_messages-learner.json and tm(), on real PostgreSQL with the platform
// simulator. And every entry of that table still names a sentence the code writes.
import fs from 'node:fs';
import path from 'node:path';
import { EVIDENCE_KINDS } from '../../src/credentials/vocabulary';
import { ID_DOCUMENT_TYPES } from '../../src/assessment/identity';
import { QUESTIONS } from '../../src/qa/surveyForm';
import { messageTranslator } from '../../src/i18n';
import { acceptComplete, launchAs, type Person, publishCredential, submitForm, text, uploadForm } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

const ROOT = path.resolve(__dirname, '..', '..');
const TABLE: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'nl', '_messages-learner.json'), 'utf8'));

describe('the learner messages table', () => {
  /** Every .ts file under src/, as one text. */
  const source = (() => {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts')) out.push(fs.readFileSync(full, 'utf8'));
      }
    };
    walk(path.join(ROOT, 'src'));
    return out.join('\n');
  })();

  // Words the code fills into its sentences from vocabularies (an evidence noun, a scale end,
  // a count of factors): in a key they stand for the expression that inserts them.
  const vocabulary = [
    ...EVIDENCE_KINDS.flatMap((k) => [k.plural, k.singular]),
    ...ID_DOCUMENT_TYPES.map((d) => d.label.toLowerCase()),
    ...Object.values(QUESTIONS).flatMap((qs) => qs.flatMap((q) => [q.low, q.high])),
    'identity not verified',
    'identity verified',
    '1 factor',
    '2 factors',
    'this follow-up survey',
    'this survey',
  ].sort((a, b) => b.length - a.length);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const filled = new RegExp(`\\b(${vocabulary.map(escape).join('|')})(?![\\w-])`, 'g');
  /** The longest fixed part of a key: the text between its {placeholders} (and filled-in words). */
  const longestFixedPart = (key: string) =>
    key
      .replace(filled, '{word}')
      .split(/\{\w+\}/)
      .sort((a, b) => b.length - a.length)[0];

  it.each(Object.keys(TABLE))('still occurs in src/: %s', (key) => {
    const fixed = longestFixedPart(key);
    // A plural "s" the code adds after an interpolation (`hour${n === 1 ? '' : 's'}`) is not in its fixed text.
    // A sentence the code adds conditionally (`…accepted.${allowed.length ? ` Upload …` : ''}`) breaks the fixed text in two: then its longest sentence.
    const longestSentence = fixed.split(/(?<=[.!?:]) /).sort((a, b) => b.length - a.length)[0];
    const variants = [fixed, fixed.replace(/^s\b/, ''), fixed.replace(/s$/, ''), longestSentence.replace(/[.!?:]$/, '')].filter((v) => v.trim().length >= 3);
    expect({ key, found: variants.some((v) => source.includes(v)) }).toEqual({ key, found: true });
  });

  it('translates the launch refusals that carry ltijs’s own reason', () => {
    const tm = messageTranslator('nl');
    expect(tm('The launch token is missing required LTI information (NO_IAT_CLAIM).')).toBe('Het starttoken mist verplichte LTI-gegevens (NO_IAT_CLAIM).');
    expect(tm('The launch token carries invalid LTI information (INVALID_MESSAGE_TYPE).')).toBe(
      'Het starttoken bevat ongeldige LTI-gegevens (INVALID_MESSAGE_TYPE).',
    );
    expect(tm('The launch could not be validated (UNKNOWN).')).toBe('De start kon niet worden gecontroleerd (UNKNOWN).');
  });

  it('has a Dutch sentence for every key, with the same placeholders', () => {
    for (const [english, dutch] of Object.entries(TABLE)) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect({ english, names: names(dutch) }).toEqual({ english, names: names(english) });
      expect(dutch.trim()).not.toBe('');
    }
  });
});

describe('in Dutch, on real pages', () => {
  let tool: TestTool;
  let sim: PlatformSimulator;
  let teacher: Person;
  let credentialId: number;
  const nl = { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' };

  /** Launches `who` with the LMS set to Dutch. */
  async function launchDutch(who: 'learner' | 'learner2'): Promise<Person> {
    sim.locale = 'nl-NL';
    try {
      return await launchAs(tool, sim, who);
    } finally {
      sim.locale = 'en';
    }
  }

  beforeAll(async () => {
    tool = await startTestTool();
    sim = await connectLms(tool, 'moodle-4.5');
    teacher = await launchAs(tool, sim, 'instructor');
    credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  });
  afterAll(async () => {
    await tool?.stop();
    await sim?.stop();
  });

  it('tells a learner what is still needed, and refuses a wrong file and an incomplete submission, in Dutch', async () => {
    const learner = await launchDutch('learner');
    const b = learner.browser;
    let page = await b.get(`${learner.base}/credentials/${credentialId}/my-work`);
    page = await submitForm(tool, b, page, /\/start$/);
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('nog 1 bestand');
    expect(text(page.body)).toContain('nog 1 schriftelijke reflectie');
    expect(text(page.body)).not.toMatch(/\b1 more (file|link|written reflection)\b/);

    // A PNG where the criterion takes documents.
    let res = await uploadForm(
      tool,
      b,
      page,
      /\/evidence$/,
      { kind: 'file', criterionId: 'crit-plan' },
      { filename: 'scan.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
    );
    expect(res.status).toBe(422);
    expect(text(res.body)).toContain('“scan.png” is een PNG-bestand, maar dit beoordelingscriterium accepteert');
    expect(text(res.body)).toContain('Niet de naam beslist, maar de inhoud.');
    expect(text(res.body)).not.toContain('Its name does not decide');

    // An address that is not a web address.
    res = await submitForm(tool, b, page, /\/evidence$/, { kind: 'link', criterionId: 'crit-publish', url: 'javascript:alert(1)' });
    expect(res.status).toBe(422);
    expect(text(res.body)).toContain('Geef een volledig webadres dat begint met https://');

    // Submitting with evidence missing.
    res = await submitForm(tool, b, page, /\/submit$/);
    expect(res.status).toBe(422);
    expect(text(res.body)).toContain('Er ontbreken nog bewijsstukken:');
    expect(text(res.body)).toContain('Voeg ze toe aan je concept en lever daarna opnieuw in. Je concept is bewaard.');
    expect(text(res.body)).not.toContain('Some evidence is still missing');
  });

  it('keeps the same refusals in English for an English LMS', async () => {
    const learner = await launchAs(tool, sim, 'learner2');
    const b = learner.browser;
    let page = await b.get(`${learner.base}/credentials/${credentialId}/my-work`);
    page = await submitForm(tool, b, page, /\/start$/);
    expect(text(page.body)).toContain('1 more file');
    const res = await submitForm(tool, b, page, /\/submit$/);
    expect(res.status).toBe(422);
    expect(text(res.body)).toContain('Some evidence is still missing:');
    expect(text(res.body)).toContain('Add it to your draft, then submit again. Your draft is saved.');
  });

  it('shows the checks of a broken credential in Dutch on /verify', async () => {
    const anon = new TestBrowser();
    const form = new FormData();
    form.append('credential', '{"hello": "world"}');
    const res = await anon.request(`${tool.base}/verify`, { multipart: form, headers: nl });
    expect(res.body).toContain('<html lang="nl">');
    const body = text(res.body);
    expect(body).toContain('Deze JSON is geen verifieerbare credential (er is geen “@context” of “type”).');
    expect(body).toContain('Niet gecontroleerd, omdat dit geen Open Badges 3.0-credential is.');
    expect(body).not.toContain('This JSON is not a verifiable credential');
    expect(body).not.toContain('Not checked, because');
  });

  it('shows a survey answer off the scale with a Dutch error', async () => {
    const dutch = await launchDutch('learner');
    const award = await acceptComplete(
      tool,
      teacher,
      dutch,
      await publishCredential(tool, teacher, {
        ...completeDefinition(),
        title: 'Survey Course',
        supervisionType: 'unsupervised with no identity verification',
      }),
    );
    const url = `${dutch.base}/surveys/${award.id}/award`;
    const form = await dutch.browser.get(url);
    expect(form.status).toBe(200);
    const page = await submitForm(tool, dutch.browser, form, new RegExp(`/surveys/${award.id}/award$`), { satisfaction: '7' });
    expect(page.status).toBe(422);
    expect(text(page.body)).toContain('“7” staat niet op deze schaal. Kies een heel getal van 1 (zeer ontevreden) tot 5 (zeer tevreden), of “Geen antwoord”.');
    expect(text(page.body)).not.toContain('is not on this scale');
  });
});
