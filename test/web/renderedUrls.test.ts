// Issue 13, item 9: an address stored in the database is rendered as a link only when a
// browser would open it as an http(s) page. Forms refuse other schemes, but rows can be
// written other ways (an import, an old version, SQL), so every page checks again at render
// time. Here the hostile addresses are written straight into PostgreSQL, bypassing the forms,
// and every page that shows one is read the way a browser reads its links.
import { acceptComplete, launchAs, type Person, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { signedInAdmin } from '../support/admin';
import { type Page, readableText, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_BODY } from '../support/issuerProfiles';

/** Script-running addresses as an attacker would store them, in the spellings browsers still run. */
const HOSTILE = {
  awardingBody: 'javascript:alert(document.domain)',
  alignment: ' JavaScript:alert(1)',
  credentialPolicy: 'java\tscript:alert(2)',
  institutionPolicy: 'data:text/html,<script>alert(3)</script>',
  qaBody: 'vbscript:msgbox(4)',
  evidence: '\u0001javascript:alert(5)',
  issuedPolicy: 'JAVASCRIPT:alert(6)',
};

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let admin: TestBrowser;
const anon = new TestBrowser();
let credentialId: number;
let submissionId: number;
let share: string;
let evidenceId: number;

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

const decode = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Every address on the page a browser would follow, load or submit to (href, src, action,
 * formaction, and the data-next a script navigates to), resolved as the browser resolves it.
 */
function addressesOn(page: Page): { raw: string; protocol: string }[] {
  return [...page.body.matchAll(/\s(?:href|src|action|formaction|data-next)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => {
    const raw = decode(m[1] ?? m[2] ?? m[3]);
    return { raw, protocol: new URL(raw, page.url).protocol };
  });
}

function expectOnlyWebLinks(page: Page) {
  expect(page.status).toBe(200);
  const unsafe = addressesOn(page).filter((a) => a.protocol !== 'http:' && a.protocol !== 'https:');
  expect(unsafe).toEqual([]);
}

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  await tool.issuer.save(ISSUER_WITH_QA_BODY);
  await tool.issuer.saveQaPolicy({ title: 'Our QA policy', text: 'We review every credential each year.' });
  admin = await signedInAdmin(tool, { email: 'it@uni.example', password: 'correct horse battery staple' });

  // A real award, issued with good addresses; then the addresses are replaced behind the forms' back.
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  const award = await acceptComplete(tool, teacher, learner, credentialId);
  submissionId = award.submissionId;
  const issued = await until(
    'the credential to be issued',
    async () => (await q('SELECT id, credential FROM issued_credentials WHERE award_id = $1', [award.id]))[0],
  );
  share = `${tool.base}/credentials/${issued.id}`;

  await q('UPDATE issuer_profile SET url = $1, qa_policy_url = $2, qa_body_url = $3', ['javascript:alert(0)', HOSTILE.institutionPolicy, HOSTILE.qaBody]);
  for (const row of await q('SELECT id, definition FROM credential_versions WHERE credential_id = $1', [credentialId])) {
    const def = row.definition;
    def.awardingBodies[0].url = HOSTILE.awardingBody;
    def.learningOutcomes[0].alignments[0].targetUrl = HOSTILE.alignment;
    def.qaPolicyUrl = HOSTILE.credentialPolicy;
    await q('UPDATE credential_versions SET definition = $2 WHERE id = $1', [row.id, def]);
  }
  // A submitted attempt's evidence is frozen by a trigger; this is the attacker with SQL access, so past it.
  const client = await tool.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    [{ id: evidenceId }] = (
      await client.query("UPDATE evidence_items SET url = $2, shared = true WHERE submission_id = $1 AND kind = 'link' RETURNING id", [
        submissionId,
        HOSTILE.evidence,
      ])
    ).rows;
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const credential = issued.credential;
  for (const al of credential.credentialSubject.achievement.alignment) if (al.targetUrl) al.targetUrl = HOSTILE.issuedPolicy;
  await q('UPDATE issued_credentials SET credential = $2 WHERE id = $1', [issued.id, credential]);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

describe('a stored javascript:, data: or vbscript: address is never rendered as a link', () => {
  it('on the credential page, for its designer and for a learner (awarding body, alignment, QA policy)', async () => {
    for (const page of [
      await teacher.browser.get(`${teacher.base}/credentials/${credentialId}`),
      await learner.browser.get(`${learner.base}/credentials/${credentialId}`),
    ]) {
      expectOnlyWebLinks(page);
      // The names are still there, as plain text.
      expect(readableText(page.body)).toContain('Example University');
      expect(readableText(page.body)).toContain('Example ESCO skill');
    }
  });

  it('on the learning outcomes page (alignment addresses)', async () => {
    const page = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}/outcomes`);
    expectOnlyWebLinks(page);
    expect(readableText(page.body)).toContain('Example ESCO skill');
  });

  it('on the learner’s work and the assessor’s scoring page (evidence links), showing the address as text', async () => {
    for (const page of [
      await learner.browser.get(`${learner.base}/credentials/${credentialId}/my-work`),
      await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`),
    ]) {
      expectOnlyWebLinks(page);
      expect(readableText(page.body)).toContain('javascript:alert(5)');
    }
  });

  it('on the public catalogue, its offer page and the QA policy page (institution’s policy and QA body)', async () => {
    for (const url of [`${tool.base}/catalogue`, `${tool.base}/catalogue/${credentialId}`, `${tool.base}/quality-policy`]) {
      const page = await anon.get(url);
      expectOnlyWebLinks(page);
      expect(readableText(page.body)).toContain('NVAO');
    }
  });

  it('on the public share page (the issued credential’s QA policy), and its evidence address does not redirect there', async () => {
    const page = await anon.get(share);
    expectOnlyWebLinks(page);
    expect(readableText(page.body)).toContain('Quality assurance policy');
    const evidence = await anon.get(`${share}/evidence/${evidenceId}`, false);
    expect(evidence.headers.get('location')).toBeNull();
    expect(evidence.status).toBe(200);
    expect(evidence.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('on the administrator’s QA policy page', async () => {
    const page = await admin.get(`${tool.base}/admin/quality-policy`);
    expectOnlyWebLinks(page);
    expect(readableText(page.body)).toContain(HOSTILE.institutionPolicy);
  });
});
