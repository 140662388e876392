// Issue 4 end to end through pages, on real PostgreSQL with launches from the simulated
// LMS: a learner collects evidence and submits; the teacher returns it with feedback; the
// learner resubmits (same assessor); the teacher scores on the rubric, records the online
// supervisor's identity check and accepts; the award is made once, with its event.
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, PDF, type Person, publishCredential, submitForm, text, uploadForm } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let credentialId: number;

beforeAll(async () => {
  tool = await startTestTool({ MAX_UPLOAD_MB: '1' });
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  credentialId = await publishCredential(tool, teacher, completeDefinition());
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

it('takes a learner from evidence to an award, through a returned attempt and a resubmission', async () => {
  const b = learner.browser;
  const work = `${learner.base}/credentials/${credentialId}/my-work`;

  // The landing page lists the credential; its page shows progress, evidence needed and the identity notice.
  let page = await b.get(learner.base);
  expect(text(page.body)).toContain('Research Data Management · Not started');
  page = await b.get(work);
  expect(page.status).toBe(200);
  const body = text(page.body);
  expect(body).toContain('Data management plan Not assessed yet 1 more file, 1 more written reflection');
  expect(body).toContain('FAIR publication Not assessed yet 1 more link');
  expect(body).toContain('supervised online (or on site), and the supervisor must verify the learner’s identity');
  expect(body).toContain('What identity data is recorded, and why');
  expect(body).toContain('never its number');

  // Start, then hand in a file, a reflection and a link.
  page = await submitForm(tool, b, page, /\/start$/);
  expect(page.body).toContain('Attempt 1 of 3');
  page = await uploadForm(
    tool,
    b,
    page,
    /\/evidence$/,
    { kind: 'file', criterionId: 'crit-plan', title: 'My DMP' },
    { filename: 'dmp.pdf', content: PDF, type: 'application/pdf' },
  );
  expect(page.status).toBe(200);
  expect(text(page.body)).toContain('Evidence added to your draft.');
  page = await submitForm(tool, b, page, /\/evidence$/, {
    kind: 'reflection',
    criterionId: 'crit-plan',
    body: 'I learned to plan storage & archiving <early>.',
  });
  expect(page.body).toContain('I learned to plan storage &amp; archiving &lt;early&gt;.');
  page = await submitForm(tool, b, page, /\/evidence$/, { kind: 'link', criterionId: 'crit-publish', url: 'https://zenodo.org/records/123' });
  expect(text(page.body)).toContain('Data management plan Not assessed yet Complete');
  page = await submitForm(tool, b, page, /\/submit$/);
  expect(text(page.body)).toContain('Submitted. Your assessor has been notified');
  expect(page.body).not.toContain('Remove<span');

  // The teacher's queue shows it, with counts.
  const t = teacher.browser;
  const queue = await t.get(`${teacher.base}/assessments`);
  expect(text(queue.body)).toContain('Waiting: 1');
  expect(text(queue.body)).toContain('Lena Learner');
  const submissionId = Number(/assessments\/(\d+)"/.exec(queue.body)![1]);
  let scoring = await t.get(`${teacher.base}/assessments/${submissionId}`);
  expect(text(scoring.body)).toContain('My DMP');
  expect(text(scoring.body)).toContain('Authenticated LMS launch');
  // The file opens for the teacher, with its detected type.
  const fileId = /files\/([0-9a-f-]{36})/.exec(scoring.body)![1];
  const file = await t.get(`${teacher.base}/files/${fileId}`);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('application/pdf');
  expect(file.headers.get('content-security-policy')).toContain('sandbox');

  // Accepting with only the LMS launch fails: this credential needs a supervised, verified identity. Input is kept.
  let res = await submitForm(tool, t, scoring, /\/decide$/, {
    'level_crit-plan': 'plan-3',
    'level_crit-publish': 'pub-2',
    'comment_crit-plan': 'Solid plan',
    identityMethod: 'lms-launch',
    decision: 'accept',
  });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('cannot be accepted yet');
  expect(res.body).toMatch(/value="plan-3" checked/);
  expect(res.body).toContain('Solid plan');

  // Return it with feedback instead.
  res = await submitForm(tool, t, scoring, /\/decide$/, {
    'level_crit-plan': 'plan-2',
    'level_crit-publish': 'pub-2',
    'comment_crit-plan': 'Archiving is missing',
    overallComment: 'Add the archiving section.',
    identityMethod: 'lms-launch',
    decision: 'return',
  });
  expect(res.status).toBe(200);
  expect(text(res.body)).toContain('Returned for resubmission by Ada Teacher');

  // The learner sees the feedback and the rubric results, and resubmits; the evidence is carried over.
  page = await b.get(work);
  expect(text(page.body)).toContain('Add the archiving section.');
  expect(text(page.body)).toContain('Archiving is missing');
  expect(text(page.body)).toContain('Data management plan Below the pass level (Developing)');
  page = await submitForm(tool, b, page, /\/start$/);
  expect(page.body).toContain('Attempt 2 of 3');
  expect(page.body).toContain('My DMP');
  page = await submitForm(tool, b, page, /\/evidence$/, { kind: 'reflection', criterionId: 'crit-plan', body: 'Now with an archiving section.' });
  page = await submitForm(tool, b, page, /\/submit$/);
  const [second] = await q('SELECT id, assigned_assessor_id FROM submissions WHERE attempt_no = 2');
  expect(second.assigned_assessor_id).toBe(teacher.userId); // same assessor by default

  // Scored and accepted with an online supervisor's attestation.
  scoring = await t.get(`${teacher.base}/assessments/${second.id}`);
  expect(text(scoring.body)).toContain('Now with an archiving section.');
  res = await submitForm(tool, t, scoring, /\/decide$/, {
    'level_crit-plan': 'plan-4',
    'level_crit-publish': 'pub-3',
    overallComment: 'Excellent.',
    identityMethod: 'online-supervisor',
    identityAttestedBy: 'Ivo Invigilator',
    identitySupervisionMethod: 'video call with camera and screen shared',
    identityVerified: 'on',
    identityFactors: '2',
    decision: 'accept',
  });
  expect(res.status).toBe(200);
  expect(text(res.body)).toContain('Accepted by Ada Teacher');

  // Exactly one award with the rubric results, evidence, identity and grade; one event for issuing and passback.
  const awards = await q('SELECT * FROM awards');
  expect(awards).toHaveLength(1);
  expect(awards[0]).toMatchObject({ learner_id: learner.userId, credential_id: credentialId, submission_id: second.id, assessor_id: teacher.userId });
  expect(awards[0].rubric_results.map((r: { levelId: string }) => r.levelId)).toEqual(['plan-4', 'pub-3']);
  expect(awards[0].evidence_refs.map((e: { kind: string }) => e.kind).sort()).toEqual(['file', 'link', 'reflection', 'reflection']);
  expect(awards[0].identity).toMatchObject({
    method: 'online-supervisor',
    identityVerified: true,
    attestedBy: 'Ivo Invigilator',
    factors: 2,
    supervisionMethod: 'video call with camera and screen shared',
    recordedById: teacher.userId,
  });
  expect(awards[0].grade).toMatchObject({ text: '100%', percent: 100 });
  const events = await q('SELECT type, subject_id FROM outbox_events ORDER BY id');
  expect(events.map((e) => e.type)).toEqual(['submission.submitted', 'assessment.decided', 'submission.submitted', 'assessment.decided', 'award.created']);
  expect(events[4].subject_id).toBe(awards[0].id);

  // The audit log holds every step, with who and before/after.
  const audit = await q('SELECT action, actor_id, before, after FROM audit_log ORDER BY id');
  expect(audit.map((a) => a.action)).toEqual([
    'submission.started',
    'evidence.added',
    'evidence.added',
    'evidence.added',
    'submission.submitted',
    'assessment.decided',
    'identity.recorded',
    'submission.resubmission-started',
    'evidence.added',
    'submission.submitted',
    'assessment.decided',
    'identity.recorded',
    'award.created',
  ]);
  const returned = audit.find((a) => a.action === 'assessment.decided');
  expect(returned).toMatchObject({ actor_id: teacher.userId, before: { status: 'submitted' }, after: { status: 'returned', decision: 'return' } });
  const auditPage = await t.get(`${teacher.base}/assessments/audit`);
  expect(text(auditPage.body)).toContain('award.created');

  // The learner sees the award.
  page = await b.get(learner.base);
  expect(text(page.body)).toContain('Research Data Management · Awarded');
  page = await b.get(work);
  expect(text(page.body)).toContain('You earned this micro-credential');
  expect(text(page.body)).toContain('Grade: 100%');
});

it('refuses bad uploads with a clear message and keeps the draft and what was typed', async () => {
  const other = await launchAs(tool, sim, 'learner2');
  const b = other.browser;
  let page = await b.get(`${other.base}/credentials/${credentialId}/my-work`);
  page = await submitForm(tool, b, page, /\/start$/);
  page = await submitForm(tool, b, page, /\/evidence$/, { kind: 'link', criterionId: 'crit-publish', url: 'https://example.org/data' });

  // An HTML page named .pdf: its content decides.
  let res = await uploadForm(
    tool,
    b,
    page,
    /\/evidence$/,
    { kind: 'file', criterionId: 'crit-plan', title: 'Sneaky' },
    { filename: 'plan.pdf', content: '<html><script>alert(1)</script></html>', type: 'application/pdf' },
  );
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('“plan.pdf” is a');
  expect(text(res.body)).toContain('Its name does not decide: its content does.');
  expect(res.body).toContain('value="Sneaky"');
  // A PNG is a real file but not a type this criterion accepts.
  res = await uploadForm(
    tool,
    b,
    page,
    /\/evidence$/,
    { kind: 'file', criterionId: 'crit-plan' },
    { filename: 'scan.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
  );
  expect(text(res.body)).toContain('is a PNG file, but this criterion accepts PDF, Word');
  // Larger than the site's limit (1 MB here).
  res = await uploadForm(
    tool,
    b,
    page,
    /\/evidence$/,
    { kind: 'file', criterionId: 'crit-plan' },
    { filename: 'big.pdf', content: Buffer.concat([PDF, Buffer.alloc(1024 * 1024 + 10)]) },
  );
  expect(res.status).toBe(413);
  expect(text(res.body)).toContain('larger than 1 MB');
  // A bad link and an empty reflection keep what was typed.
  res = await submitForm(tool, b, page, /\/evidence$/, { kind: 'link', criterionId: 'crit-publish', url: 'javascript:alert(1)', title: 'My link' });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('Give a full web address starting with https://');
  expect(res.body).toContain('value="javascript:alert(1)"');
  // A broken badge.
  res = await submitForm(tool, b, page, /\/evidence$/, { kind: 'open-badge', criterionId: 'crit-plan', badge: '{"not": "a badge"' });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('This Open Badge could not be accepted');
  expect(res.body).toContain('{&#34;not&#34;: &#34;a badge&#34;');
  // Submitting with evidence missing is refused and names what is missing.
  res = await submitForm(tool, b, page, /\/submit$/);
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('needs 1 file; 0 are present');
  // Nothing was lost: the link is still in the draft, and nothing half-stored.
  const rows = await q('SELECT e.kind FROM evidence_items e JOIN submissions s ON s.id = e.submission_id WHERE s.learner_id = $1', [other.userId]);
  expect(rows.map((r) => r.kind)).toEqual(['link']);
  const files = await q('SELECT count(*)::int AS n FROM stored_files WHERE owner_id = $1', [other.userId]);
  expect(files[0].n).toBe(0);
});
