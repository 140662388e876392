// Issue 8 for the launch, assessment, badge, grade and QA pages, on real PostgreSQL with the
// platform simulator: inside a launch the LMS's launch_presentation.locale picks the language
// (English for a language we lack, and when the LMS sends none); public pages follow the
// browser's Accept-Language. Error codes with one fixed message are translated too. No page
// shows a raw catalogue key.
import fs from 'node:fs';
import path from 'node:path';
import { loadCatalogues } from '../../src/i18n';
import { acceptComplete, launchAs, type Person, publishCredential, submitComplete, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { type Page, readableText, readForm, TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_BODY } from '../support/issuerProfiles';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let credentialId: number;
let share: string;

/** What a person reads or hears: the text, plus labels that live in attributes. */
const visible = (html: string) => readableText(html, { labels: true });

const KEYS = [...loadCatalogues().get('en')!.keys()];
/** Catalogue keys (or the start of one) in the text: a string that skipped t(). Audit actions such as "assessment.decided" are data, not keys. */
const rawKeys = (text: string) =>
  [...text.matchAll(/\b(?:lti|assessment|badges|qa|common|grades|home|errors)\.[a-zA-Z][\w.-]*/g)]
    .map((m) => m[0].replace(/\.$/, ''))
    .filter((k) => KEYS.some((key) => key === k || key.startsWith(`${k}.`)));

/** A page in `lang` (200 unless said otherwise) with no untranslated key showing. */
function expectPage(page: Page, lang: 'en' | 'nl', status = 200) {
  expect({ url: page.url, status: page.status }).toEqual({ url: page.url, status });
  expect(page.body).toContain(`<html lang="${lang}">`);
  expect(rawKeys(visible(page.body))).toEqual([]);
}

/** Launches `who` with the LMS set to `locale` (undefined: the claim is left out). */
async function launchWith(who: keyof typeof USERS, locale: string | undefined): Promise<Person> {
  (sim as { locale?: string }).locale = locale;
  try {
    return await launchAs(tool, sim, who);
  } finally {
    sim.locale = 'en';
  }
}

const nl = { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' };

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  await tool.issuer.save(ISSUER_WITH_QA_BODY);
  teacher = await launchAs(tool, sim, 'instructor');
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  // learner2 earns the credential: an issued badge for the badge pages.
  const learner2 = await launchAs(tool, sim, 'learner2');
  const award = await acceptComplete(tool, teacher, learner2, credentialId);
  const issued = await until(
    'the credential to be issued',
    async () => (await tool.database.pool.query('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id])).rows[0],
  );
  share = `${tool.base}/credentials/${issued.id}`;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

describe('a learner whose LMS speaks Dutch', () => {
  let learner: Person;
  beforeAll(async () => {
    learner = await launchWith('learner', 'nl-NL');
  });

  it('sees the landing page in Dutch, whatever the browser prefers', async () => {
    const landing = await learner.browser.get(learner.base);
    expectPage(landing, 'nl');
    const text = visible(landing.body);
    for (const dutch of ['Mijn microcredentials', 'Microcredentials in Biology 101', 'Mijn badges', 'Mijn werk', 'Niet begonnen'])
      expect(text).toContain(dutch);
    expect(landing.body).toContain('<title>Mijn microcredentials</title>');
    expect(text).not.toContain('My credentials');
    const browserSaysEnglish = await learner.browser.request(learner.base, { headers: { 'accept-language': 'en-GB,en' } });
    expectPage(browserSaysEnglish, 'nl');
  });

  it('sees my work in Dutch, before and after starting a submission', async () => {
    const page = `${learner.base}/credentials/${credentialId}/my-work`;
    const before = await learner.browser.get(page);
    expectPage(before, 'nl');
    let text = visible(before.body);
    for (const dutch of [
      'Mijn werk: Research Data Management',
      'Voortgang',
      'Identiteitscontrole',
      'Er is geen toezicht of identiteitscontrole vereist.',
      'Je inzending',
      'Mijn inzending starten',
    ])
      expect(text).toContain(dutch);
    const draft = await learner.browser.post(`${tool.base}${readForm(before.body, /\/start$/).action}`, readForm(before.body, /\/start$/).fields);
    expectPage(draft, 'nl');
    text = visible(draft.body);
    for (const dutch of [
      'Poging 1 van',
      'Concept (niet ingeleverd)',
      'Een bestand uploaden',
      'Een link toevoegen',
      'Een reflectie schrijven',
      'nog 1 bestand',
      'Indienen voor beoordeling',
    ])
      expect(text).toContain(dutch);
    // The upload script's messages come from the page, in its language.
    expect(draft.body).toContain('data-msg-uploading="Bezig met uploaden…"');
    expect(draft.body).toContain('data-msg-progress="Bezig met uploaden… {percent}%"');
  });

  it('sees my badges in Dutch', async () => {
    const badges = await learner.browser.get(`${learner.base}/badges`);
    expectPage(badges, 'nl');
    expect(visible(badges.body)).toContain('Je hebt nog geen badges.');
  });
});

describe('a learner with a badge, in Dutch', () => {
  it('sees the badge, the share links and the award survey in Dutch', async () => {
    const learner2 = await launchWith('learner2', 'nl_NL');
    const landing = await learner2.browser.get(learner2.base);
    expectPage(landing, 'nl');
    expect(visible(landing.body)).toContain('Vertel ons over Research Data Management — 1 minuut, optioneel');
    const badges = await learner2.browser.get(`${learner2.base}/badges`);
    expectPage(badges, 'nl');
    const text = visible(badges.body);
    for (const dutch of ['Openbare pagina openen', 'Toevoegen aan LinkedIn-profiel', 'Je houderscode voor de vervolgenquête', 'Geldig'])
      expect(text).toContain(dutch);
    const survey = await learner2.browser.get(
      `${learner2.base}/surveys/${(await tool.database.pool.query('SELECT award_id FROM issued_credentials WHERE id = $1', [share.split('/').pop()])).rows[0].award_id}/award`,
    );
    expectPage(survey, 'nl');
    for (const dutch of [
      'Hoe tevreden ben je over deze microcredential?',
      'zeer tevreden',
      'Geen antwoord',
      'Maximaal 2.000 tekens',
      'Mijn antwoorden versturen',
      'Nee, bedankt, vraag het me niet meer',
    ])
      expect(visible(survey.body)).toContain(dutch);
  });
});

describe('a teacher whose LMS speaks Dutch', () => {
  let dutchTeacher: Person;
  let submissionId: number;
  beforeAll(async () => {
    dutchTeacher = await launchWith('instructor', 'nl-NL');
    // Lena's attempt (her draft, if she started one above) handed in, to be scored.
    submissionId = (await submitComplete(tool, await launchAs(tool, sim, 'learner'), credentialId)).id;
  });

  it('sees the course dashboard in Dutch', async () => {
    const page = await dutchTeacher.browser.get(dutchTeacher.base);
    expectPage(page, 'nl');
    const text = visible(page.body);
    for (const dutch of [
      'Leeruitkomsten van de cursus',
      'Microcredentials in deze cursus',
      'Beoordelingswachtrij openen',
      'Kwaliteitsdashboard openen',
      'Studenten en hun voortgang',
      'Deelnemerslijst synchroniseren vanuit de leeromgeving',
    ])
      expect(text).toContain(dutch);
    expect(page.body).toContain('<title>Biology 101 · microcred</title>');
  });

  it('sees the assessment queue, the scoring page and the other staff pages in Dutch', async () => {
    const queue = await dutchTeacher.browser.get(`${dutchTeacher.base}/assessments?status=all`);
    expectPage(queue, 'nl');
    const text = visible(queue.body);
    for (const dutch of ['Beoordelingswachtrij', 'Wachtend:', 'Alle microcredentials', 'Filteren', 'Ingeleverd', 'Beoordelaar']) expect(text).toContain(dutch);
    expect(queue.body).toContain('<title>Beoordelingswachtrij</title>');
    expect(queue.body).toContain('placeholder="Naam of e-mailadres"');
    const score = await dutchTeacher.browser.get(`${dutchTeacher.base}/assessments/${submissionId}`);
    expectPage(score, 'nl');
    for (const dutch of [
      'Bewijsstukken',
      'Bestand uploaden',
      'Beoordelen met de rubric',
      'Identiteitscontrole',
      'Geauthenticeerde start vanuit de leeromgeving',
      'Accepteren: de student behaalt de microcredential',
      'Besluit opslaan',
    ])
      expect(visible(score.body)).toContain(dutch);
    for (const [address, dutch] of [
      ['/assessments/settings', 'Onafhankelijkheid van beoordelaars'],
      ['/assessments/audit', 'Auditlogboek'],
      ['/badges/issued', 'Uitgegeven badges'],
      ['/grades', 'Cijfers verstuurd naar de leeromgeving'],
      ['/quality', 'Kwaliteitsdashboard'],
      [`/quality/${credentialId}`, 'Jaarlijkse evaluatie'],
    ]) {
      const page = await dutchTeacher.browser.get(`${dutchTeacher.base}${address}`);
      expectPage(page, 'nl');
      expect(visible(page.body)).toContain(dutch);
    }
  });

  it('adds a credential to the course through deep linking in Dutch', async () => {
    (sim as { locale?: string }).locale = 'nl-NL';
    try {
      const { page } = await launch(tool, sim, 'instructor', new TestBrowser(), { lti_message_hint: 'deep-linking' });
      expectPage(page, 'nl');
      expect(visible(page.body)).toContain('Een microcredential aan je cursus toevoegen');
      expect(visible(page.body)).toContain('Gepubliceerde microcredentials');
    } finally {
      sim.locale = 'en';
    }
  });
});

describe('a language we lack, or none', () => {
  it.each([['fr-FR'], [undefined]])('shows English pages for locale %s', async (locale) => {
    const learner = await launchWith('learner', locale);
    const landing = await learner.browser.get(learner.base);
    expectPage(landing, 'en');
    expect(landing.body).toContain('<title>My credentials</title>');
    expect(visible(landing.body)).toContain('Micro-credentials in Biology 101');
    const badges = await learner.browser.get(`${learner.base}/badges`);
    expectPage(badges, 'en');
    expect(visible(badges.body)).toContain('You have no badges yet.');
    const staff = await launchWith('instructor', locale);
    const queue = await staff.browser.get(`${staff.base}/assessments`);
    expectPage(queue, 'en');
    expect(visible(queue.body)).toContain('Assessment queue');
  });
});

describe('public pages follow the browser', () => {
  const anon = new TestBrowser();

  it('show the catalogue, an offer, verification and a badge in Dutch for Accept-Language nl', async () => {
    const catalogue = await anon.request(`${tool.base}/catalogue`, { headers: nl });
    expectPage(catalogue, 'nl');
    expect(catalogue.body).toContain('<title>Microcredentials van Example University</title>');
    for (const dutch of ['Zoeken op titel of code', 'Machineleesbare catalogus', 'Laatste evaluatie', 'Details van Research Data Management'])
      expect(visible(catalogue.body)).toContain(dutch);

    const offer = await anon.request(`${tool.base}/catalogue/${credentialId}`, { headers: nl });
    expectPage(offer, 'nl');
    for (const dutch of [
      'Hoe studenten worden beoordeeld',
      'Afrondingsregel',
      'Wat studenten zeiden',
      'Geldigheid',
      'Verloopt niet',
      'Tot nu toe aan minder dan 5 studenten toegekend',
      '12. Vereiste voorkennis voor inschrijving',
      'Zonder toezicht, zonder identiteitscontrole',
    ])
      expect(visible(offer.body)).toContain(dutch);

    const verify = await anon.request(`${tool.base}/verify`, { headers: nl });
    expectPage(verify, 'nl');
    expect(verify.body).toContain('<title>Een Open Badge verifiëren</title>');
    expect(visible(verify.body)).toContain('Plak de credential (JSON of JWT)');
    const empty = new FormData();
    empty.append('credential', '');
    const nothing = await anon.request(`${tool.base}/verify`, { multipart: empty, headers: nl });
    expectPage(nothing, 'nl', 422);
    expect(visible(nothing.body)).toContain('Plak een credential (JSON of JWT) of kies een badgeafbeelding of bestand om te controleren.');

    const badge = await anon.request(share, { headers: nl });
    expectPage(badge, 'nl');
    for (const dutch of [
      'Uitgegeven door',
      '✓ Deze credential is geldig',
      'Digitale handtekening',
      'Wat deze microcredential bevestigt',
      'Een andere credential verifiëren',
    ])
      expect(visible(badge.body)).toContain(dutch);
    const followUp = await anon.request(`${share}/follow-up`, { headers: nl });
    expectPage(followUp, 'nl');
    expect(visible(followUp.body)).toContain('Ben jij de houder van deze badge?');
    const wrongCode = await anon.request(`${share}/follow-up?code=WRONG`, { headers: nl });
    expectPage(wrongCode, 'nl', 403);
    expect(visible(wrongCode.body)).toContain('Die houderscode hoort niet bij deze badge.');

    const home = await anon.request(`${tool.base}/`, { headers: nl });
    expectPage(home, 'nl');
    expect(visible(home.body)).toContain('Catalogus van microcredentials');
  });

  it('stay English for English or no Accept-Language', async () => {
    for (const headers of [{ 'accept-language': 'en-GB,en;q=0.9' }, {} as Record<string, string>]) {
      const catalogue = await anon.request(`${tool.base}/catalogue`, { headers });
      expectPage(catalogue, 'en');
      expect(visible(catalogue.body)).toContain('Search by title or code');
      const verify = await anon.request(`${tool.base}/verify`, { headers });
      expectPage(verify, 'en');
      expect(visible(verify.body)).toContain('Verify an Open Badge');
    }
  });
});

describe('error pages', () => {
  it('translate an error code with one fixed message, and show others in English', async () => {
    const anon = new TestBrowser();
    const session = await anon.request(`${tool.base}/app/not-a-launch`, { headers: nl });
    expectPage(session, 'nl', 401);
    expect(visible(session.body)).toContain('Je microcred-sessie is verlopen of hoort bij een andere browser.');
    expect(visible(session.body)).toContain('Foutcode: LAUNCH_SESSION_INVALID');
    const offer = await anon.request(`${tool.base}/catalogue/999999`, { headers: nl });
    expectPage(offer, 'nl', 404);
    expect(visible(offer.body)).toContain('Er is geen gepubliceerde microcredential op dit adres.');
    // NOT_FOUND carries many messages: the English one is shown.
    const missing = await anon.request(`${tool.base}/nowhere`, { headers: nl });
    expectPage(missing, 'nl', 404);
    expect(visible(missing.body)).toContain('This page does not exist.');
    const english = await anon.request(`${tool.base}/catalogue/999999`);
    expectPage(english, 'en', 404);
    expect(visible(english.body)).toContain('There is no published micro-credential at this address.');
  });

  it('have catalogue messages that are the code’s own English text in src/', () => {
    const src = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? src(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [fs.readFileSync(path.join(dir, e.name), 'utf8')] : []));
    const code = src(path.resolve(__dirname, '..', '..', 'src')).join('\n');
    const en = loadCatalogues().get('en')!;
    const stale = [...en.entries()]
      .filter(([key]) => key.startsWith('errors.'))
      .filter(([key, text]) => !code.includes(`'${key.split('.')[1]}'`) || !code.includes(text))
      .map(([key]) => key);
    expect(stale).toEqual([]);
  });
});
