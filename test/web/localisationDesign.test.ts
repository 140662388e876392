// Issue 8 for the design pages and the admin console, on real PostgreSQL with the platform
// simulator: inside a launch the LMS's launch_presentation.locale picks the language of the
// credential pages (English when the LMS sends none); the admin console, which has no launch,
// follows the browser's Accept-Language. No page shows a raw catalogue key.
import { type Page, readableText, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, type Person, publishCredential } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';

let tool: TestTool;
let sim: PlatformSimulator;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** What a person reads or hears: the text, plus labels that live in attributes. */
const visible = (html: string) => readableText(html, { labels: true });

const RAW_KEY = /\b(credentials|admin)\.[a-zA-Z]+\b/;

/** A 200 page in `lang` with no untranslated key showing. */
function expectPage(page: Page, lang: 'en' | 'nl') {
  expect({ url: page.url, status: page.status }).toEqual({ url: page.url, status: 200 });
  expect(page.body).toContain(`<html lang="${lang}">`);
  expect(visible(page.body)).not.toMatch(RAW_KEY);
}

/** Launches the instructor with the LMS set to `locale` (undefined: the claim is left out). */
async function teacherWith(locale: string | undefined): Promise<Person> {
  (sim as { locale?: string }).locale = locale;
  try {
    return await launchAs(tool, sim, 'instructor');
  } finally {
    sim.locale = 'en';
  }
}

describe('credential design pages inside a launch', () => {
  let nl: Person;
  let credential: string;

  beforeAll(async () => {
    nl = await teacherWith('nl-NL');
  });

  it('lists micro-credentials in Dutch when the LMS says nl-NL', async () => {
    const list = await nl.browser.get(`${nl.base}/credentials`);
    expectPage(list, 'nl');
    expect(list.body).toContain('<title>Microcredentials</title>');
    expect(list.body).toContain('Nog geen microcredentials.');
    expect(list.body).toContain('Nieuwe microcredential');
    expect(list.body).not.toContain('New micro-credential');
    // The LMS decides inside a launch, whatever the browser prefers.
    const browserSaysEnglish = await nl.browser.request(`${nl.base}/credentials`, { headers: { 'accept-language': 'en-GB,en' } });
    expectPage(browserSaysEnglish, 'nl');
  });

  it('shows the edit form in Dutch, vocabulary included, and saves a draft', async () => {
    const list = await nl.browser.get(`${nl.base}/credentials`);
    const create = readForm(list.body, /\/credentials$/);
    const edit = await nl.browser.post(`${tool.base}${create.action}`, create.fields);
    expectPage(edit, 'nl');
    credential = edit.url.replace(/\/edit$/, '');
    const text = visible(edit.body);
    for (const dutch of [
      'Microcredential bewerken',
      '2. Titel',
      '7. Nominale studielast in EC',
      'Concept opslaan',
      'EQF-niveau 6',
      'Toetsing',
      'Op locatie of blended',
      'Op locatie, met identiteitscontrole',
      'Eerste cyclus (bachelorniveau)',
      'Vrije tekst, bijv. interne kwaliteitszorg',
    ]) {
      expect(text).toContain(dutch);
    }
    for (const english of ['Save draft', 'Edit micro-credential', 'EQF level 6', 'Testing', 'Free text']) expect(text).not.toContain(english);
    // Stored values stay the edubadges strings; only the words shown change.
    expect(edit.body).toContain('<option value="application of a skill"');

    const form = readForm(edit.body, /\/credentials\/\d+$/);
    const saved = await nl.browser.post(`${tool.base}${form.action}`, { ...form.fields, title: 'Laboratoriumvaardigheden' });
    expectPage(saved, 'nl');
    expect(saved.body).toContain('Concept opgeslagen.');
    expect(saved.body).toContain('Gereed voor uitgifte');
    expect(saved.body).toMatch(/Nog \d+ onderdelen aan te vullen voordat je kunt publiceren/);
    expect(saved.body).toContain('<title>Laboratoriumvaardigheden</title>');
  });

  it('shows course outcomes and the outcomes-and-mapping page in Dutch', async () => {
    let outcomes = await nl.browser.get(`${nl.base}/outcomes`);
    expectPage(outcomes, 'nl');
    expect(outcomes.body).toContain('<h1>Cursusleeruitkomsten</h1>');
    expect(outcomes.body).toContain('Nog geen leeruitkomsten.');
    const add = readForm(outcomes.body, /\/outcomes$/);
    outcomes = await nl.browser.post(`${tool.base}${add.action}`, { ...add.fields, code: 'LU1', title: 'Een experiment veilig uitvoeren', description: '' });
    expectPage(outcomes, 'nl');
    expect(outcomes.body).toContain('Leeruitkomst toegevoegd.');
    expect(outcomes.body).toContain('aria-label="LU1 archiveren"');
    for (const path of ['/outcomes/import', '/outcomes/copy']) expectPage(await nl.browser.get(`${nl.base}${path}`), 'nl');
    const importPage = await nl.browser.get(`${nl.base}/outcomes/import`);
    expect(importPage.body).toContain('Te importeren rijen');

    let page = await nl.browser.get(`${credential}/outcomes`);
    expectPage(page, 'nl');
    expect(page.body).toContain('<h1>Leeruitkomsten en koppeling</h1>');
    expect(page.body).toContain('Bouwt voort op cursusleeruitkomsten');
    const co = /name="courseOutcomeIds" value="(\d+)"/.exec(page.body)![1];
    const form = readForm(page.body, /\/outcomes$/);
    page = await nl.browser.request(`${credential}/outcomes`, {
      form: { ...form.fields, statement: 'Ik kan een experiment veilig uitvoeren', courseOutcomeIds: co },
    });
    expectPage(page, 'nl');
    const text = visible(page.body);
    for (const dutch of [
      'Leeruitkomst toegevoegd.',
      'Koppelingsmatrix',
      'LU 1',
      'Leeruitkomst 1 opslaan',
      'ESCO-vaardigheid of -beroep',
      'Ander raamwerk',
      'Deze leeruitkomst verwijderen?',
    ])
      expect(text).toContain(dutch);
    expect(text).not.toContain('Save mapping');
  });

  it('shows the rubric builder and its preview in Dutch', async () => {
    const rubric = await nl.browser.get(`${credential}/rubric`);
    expectPage(rubric, 'nl');
    const text = visible(rubric.body);
    for (const dutch of [
      'Rubric en bewijsstukken',
      'Nog geen beoordelingscriteria.',
      'Titel van het beoordelingscriterium',
      'Prestatieniveaus, laagste eerst',
      'Niveau 1 (laagste)',
      'Voldoendeniveau',
      'Bestand uploaden',
      'Schriftelijke reflectie',
      'Beoordelingscriterium toevoegen',
      '— kies —',
    ]) {
      expect(text).toContain(dutch);
    }
    expect(rubric.body).toContain('<title>Rubric · Laboratoriumvaardigheden</title>');
    for (const english of ['Criterion title', 'Add criterion', 'File upload']) expect(text).not.toContain(english);
    const preview = await nl.browser.get(`${credential}/rubric/preview`);
    expectPage(preview, 'nl');
    expect(preview.body).toContain('Deze rubric heeft nog geen beoordelingscriteria.');
  });

  it('shows a published credential and its rubric table in Dutch', async () => {
    const id = await publishCredential(tool, nl, completeDefinition());
    const show = await nl.browser.get(`${nl.base}/credentials/${id}`);
    expectPage(show, 'nl');
    expect(show.body).toContain('Je ziet gepubliceerde versie 1.');
    expect(show.body).toContain('Zo behaal je deze microcredential');
    const preview = await nl.browser.get(`${nl.base}/credentials/${id}/rubric/preview`);
    expectPage(preview, 'nl');
    for (const dutch of ['Beoordelingscriterium', 'Niveau 1 (laagste)', 'Voldoendeniveau (minimaal nodig om te slagen)', 'Vereiste bewijsstukken', '2 punten'])
      expect(preview.body).toContain(dutch);
    const list = await nl.browser.get(`${nl.base}/credentials`);
    expect(list.body).toMatch(/gepubliceerd v1/);
  });

  it('stays English when the LMS sends no locale, whatever the browser prefers', async () => {
    const en = await teacherWith(undefined);
    const headers = { 'accept-language': 'nl-NL,nl' };
    const list = await en.browser.request(`${en.base}/credentials`, { headers });
    expectPage(list, 'en');
    expect(list.body).toContain('<title>Micro-credentials</title>');
    expect(list.body).toContain('New micro-credential');
    const id = /credentials\/(\d+)"/.exec(list.body)![1];
    const edit = await en.browser.request(`${en.base}/credentials/${id}/edit`, { headers });
    expectPage(edit, 'en');
    for (const english of [
      'Edit micro-credential',
      'Save draft',
      'EQF level 6',
      'Application of a skill',
      'Free text, e.g. internal quality assurance; institutional accreditation',
    ])
      expect(edit.body).toContain(english);
    const rubric = await en.browser.request(`${en.base}/credentials/${id}/rubric`, { headers });
    expectPage(rubric, 'en');
    expect(rubric.body).toContain('Rubric and evidence');
    const outcomes = await en.browser.request(`${en.base}/credentials/${id}/outcomes`, { headers });
    expectPage(outcomes, 'en');
    expect(outcomes.body).toContain('Learning outcomes and mapping');
    const course = await en.browser.request(`${en.base}/outcomes`, { headers });
    expectPage(course, 'en');
    expect(course.body).toContain('<h1>Course outcomes</h1>');
  });
});

/** A browser that always sends this Accept-Language (or none of its own). */
class BrowserIn extends TestBrowser {
  constructor(private readonly acceptLanguage?: string) {
    super();
  }
  override request(url: string, init: Parameters<TestBrowser['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { ...(this.acceptLanguage ? { 'accept-language': this.acceptLanguage } : {}), ...(init.headers ?? {}) } });
  }
}

describe('the admin console', () => {
  const EMAIL = 'beheer@uni.example';
  const PASSWORD = 'correct horse battery staple';
  const pages = ['/admin', '/admin/issuer', '/admin/quality-policy', '/admin/keys', '/admin/credentials', '/admin/quality', '/admin/platforms/new'];

  async function signIn(b: TestBrowser) {
    const login = await b.get(`${tool.base}/admin/login`);
    const form = readForm(login.body, '/admin/login');
    const res = await b.post(`${tool.base}/admin/login`, { ...form.fields, email: EMAIL, password: PASSWORD });
    expect(res.url).toBe(`${tool.base}/admin`);
    return res;
  }

  it('sets up the first administrator in Dutch for a Dutch browser', async () => {
    const token = (await tool.accounts.issueSetupToken())!;
    const b = new BrowserIn('nl-NL,nl;q=0.9,en;q=0.5');
    const setup = await b.get(`${tool.base}/admin/setup/${token}`);
    expectPage(setup, 'nl');
    expect(setup.body).toContain('<title>De eerste beheerder aanmaken</title>');
    expect(setup.body).toContain('Wachtwoord nogmaals');
    const form = readForm(setup.body, '/admin/setup/');
    const dash = await b.post(`${tool.base}/admin/setup/${token}`, { ...form.fields, email: EMAIL, password: PASSWORD, confirm: PASSWORD });
    expectPage(dash, 'nl');
    expect(dash.body).toContain('<h1>Beheer</h1>');
  });

  it('is Dutch with Accept-Language: nl', async () => {
    const b = new BrowserIn('nl');
    const login = await b.get(`${tool.base}/admin/login`);
    expectPage(login, 'nl');
    expect(login.body).toContain('Aanmelden als beheerder');
    const wrong = await b.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, email: EMAIL, password: 'wrong password!!' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Dit e-mailadres en wachtwoord horen niet bij een beheerdersaccount.');

    const dash = await signIn(b);
    expectPage(dash, 'nl');
    const expected: Record<string, string[]> = {
      '/admin': ['Een LMS koppelen', 'URL voor het starten van de aanmelding', 'Een platform handmatig registreren', 'Het uitgeversprofiel bewerken'],
      '/admin/issuer': [
        'Uitgeversprofiel',
        'Officiële naam',
        'Identificatiecodes van de toekennende instantie (optioneel)',
        'Interne kwaliteitszorg',
        'Uitgeversprofiel opslaan',
      ],
      '/admin/quality-policy': ['Kwaliteitszorgbeleid', 'Naar welk beleid microcredentials verwijzen', 'Opslaan en publiceren'],
      '/admin/keys': ['Ondertekeningssleutels', 'Identiteit van de uitgever', 'Een nieuwe ondertekeningssleutel maken'],
      '/admin/credentials': ['Uitgegeven microcredentials'],
      '/admin/quality': ['Kwaliteit in de hele instelling', 'Slagingspercentage', 'Openbare catalogus'],
      '/admin/platforms/new': ['Een platform registreren', "Deployment-ID's", 'Platform registreren'],
    };
    for (const path of pages) {
      const page = await b.get(`${tool.base}${path}`);
      expectPage(page, 'nl');
      const text = visible(page.body);
      for (const dutch of expected[path]) expect({ path, found: text.includes(dutch) }).toEqual({ path, found: true });
    }
    // Per-credential quality page, with the credential published above.
    const quality = await b.get(`${tool.base}/admin/quality`);
    const one = /href="(\/admin\/quality\/\d+)"/.exec(quality.body)![1];
    const credentialQuality = await b.get(`${tool.base}${one}`);
    expectPage(credentialQuality, 'nl');
    expect(credentialQuality.body).toContain('Jaarlijkse evaluatie');

    const dashboard = await b.get(`${tool.base}/admin`);
    const registration = await b.post(`${tool.base}/admin/registrations`, readForm(dashboard.body, '/admin/registrations').fields);
    expectPage(registration, 'nl');
    expect(registration.body).toContain('Link voor dynamische registratie');
  });

  it('is English without Accept-Language', async () => {
    const b = new BrowserIn();
    const login = await b.get(`${tool.base}/admin/login`);
    expectPage(login, 'en');
    expect(login.body).toContain('Administrator sign-in');
    await signIn(b);
    const expected: Record<string, string> = {
      '/admin': 'Connect an LMS',
      '/admin/issuer': 'Save issuer profile',
      '/admin/quality-policy': 'Which policy credentials point to',
      '/admin/keys': 'Rotate the signing key',
      '/admin/credentials': 'Issued credentials',
      '/admin/quality': 'Quality across the institution',
      '/admin/platforms/new': 'Register a platform',
    };
    for (const path of pages) {
      const page = await b.get(`${tool.base}${path}`);
      expectPage(page, 'en');
      expect({ path, found: page.body.includes(expected[path]) }).toEqual({ path, found: true });
    }
  });
});
