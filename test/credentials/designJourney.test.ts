// Issue 3 end to end, through pages only: course outcomes → a micro-credential with
// every Annex I element → learning outcomes mapped → rubric → readiness green →
// published → a learner sees it, its rule and its rubric. No fixture injection.
import { readForm } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

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

it('takes a teacher from course outcomes to a published micro-credential a learner can read', async () => {
  const { browser: b, page: dash } = await launch(tool, sim, 'instructor');
  const base = dash.url;
  const post = async (html: string, action: string | RegExp, extra: Record<string, string>) => {
    const form = readForm(html, action);
    const res = await b.post(new URL(form.action, tool.base).toString(), { ...form.fields, ...extra });
    expect(res.status).toBe(200);
    return res;
  };

  // Course outcomes by CSV paste.
  let page = await b.get(`${base}/outcomes/import`);
  page = await post(page.body, '/import/preview', { csv: 'code,title\nCO1,Handle lab equipment safely\nCO2,Report results clearly\n' });
  page = await post(page.body, /\/outcomes\/import$/, {});
  expect(page.body).toContain('Outcomes imported.');

  // A credential with every mandatory Annex I element.
  page = await b.get(`${base}/credentials`);
  page = await post(page.body, /\/credentials$/, {});
  const credentialPage = page.url.replace(/\/edit$/, '');
  page = await post(page.body, /\/credentials\/\d+$/, {
    title: 'Laboratory practice',
    'issuer-countries': 'NL',
    'awarding-bodies': 'Example University',
    'workload-ects': '3',
    'level-eqf': '6',
    'assessment-type': 'portfolio',
    'participation-type': 'onsite or blended',
    'quality-assurance-type': 'internal quality assurance',
    'supervision-type': 'onsite with identity verification',
  });
  expect(page.body).toContain('things to complete before publishing'); // outcomes and rubric still missing

  // Learning outcomes, mapped through the matrix.
  page = await b.get(`${credentialPage}/outcomes`);
  const coIds = [...page.body.matchAll(/id="new-co-(\d+)"/g)].map((m) => m[1]);
  page = await b.post(`${credentialPage}/outcomes`, {
    ...readForm(page.body, /\/outcomes$/).fields,
    statement: 'I can run a lab experiment safely',
    courseOutcomeIds: coIds[0],
  });
  page = await b.post(`${credentialPage}/outcomes`, {
    ...readForm(page.body, /\/outcomes$/).fields,
    statement: 'I can report results clearly',
    courseOutcomeIds: coIds[1],
  });
  expect(page.body).not.toContain('is not mapped');
  const loIds = [...new Set([...page.body.matchAll(/name="m\|\d+\|(lo-[a-z0-9]+)"/g)].map((m) => m[1]))];
  expect(loIds).toHaveLength(2);

  // One criterion per learning outcome, four levels each.
  for (const [i, lo] of loIds.entries()) {
    page = await b.get(`${credentialPage}/rubric`);
    const levels = Object.fromEntries(
      ['Beginning', 'Developing', 'Proficient', 'Excellent'].flatMap((t, j) => [
        [`l${j + 1}_title`, t],
        [`l${j + 1}_descriptor`, `${t} work`],
        [`l${j + 1}_points`, String(j + 1)],
      ]),
    );
    page = await post(page.body, /\/rubric\/criteria$/, {
      title: `Criterion ${i + 1}`,
      [`lo_${lo}`]: 'on',
      ...levels,
      passLevel: '3',
      ev_file: '1',
      fileTypes: 'pdf',
      maxFileSizeMb: '10',
    });
  }

  // The panel is green; publish.
  page = await b.get(credentialPage);
  expect(page.body).toContain('Every mandatory element is present');
  page = await post(page.body, '/publish', {});
  expect(page.body).toContain('Published.');

  // The learner sees it, with the rule and the rubric.
  const learner = await launch(tool, sim, 'learner');
  const id = /credentials\/(\d+)/.exec(credentialPage)![1];
  const shown = await learner.browser.get(`${learner.page.url}/credentials/${id}`);
  expect(shown.body).toContain('Laboratory practice');
  expect(shown.body).toContain('I can run a lab experiment safely');
  expect(shown.body).toContain('How to earn it');
  const rubric = await learner.browser.get(`${learner.page.url}/credentials/${id}/rubric/preview`);
  expect(rubric.status).toBe(200);
  expect(rubric.body).toContain('Proficient');

  // The Achievement that will be issued validates against the OB 3.0 schema.
  const achievement = await b.get(`${credentialPage}/achievement.json`);
  expect(achievement.headers.get('x-schema-valid')).toBe('true');
});
