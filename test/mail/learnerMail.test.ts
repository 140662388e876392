// Issue 16: learners' mail, sent for real to an SMTP server this test starts (smtp-server),
// through the pg-boss job the outbox starts. A badge issued: the learner's mail arrives, in
// the LMS's language, with the share link, the certificate and the wallet file. Revoked: a
// second mail with the reason. The SMTP server refusing at first: the job is retried and the
// mail arrives. Opted out (one click from the mail, or on My badges): no mail.
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, launchAs, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, freePort, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';

let tool: TestTool;
let sim: PlatformSimulator;
let smtp: SMTPServer;
let teacher: Person;
let lena: Person;
let max: Person;
const inbox: { to: string[]; mail: ParsedMail }[] = [];
/** How many deliveries the server refuses (451, "try again later") before it accepts. */
let refusals = 0;
let refused = 0;

beforeAll(async () => {
  const port = await freePort();
  smtp = new SMTPServer({
    // Plain SMTP on localhost: no STARTTLS (its certificate would be self-signed) and no AUTH.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refused < refusals) {
        refused++;
        return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
  tool = await startTestTool({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Example University <badges@uni.example>' });
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  lena = await launchAs(tool, sim, 'learner');
  // Max's LMS speaks Dutch.
  sim.locale = 'nl-NL';
  max = await launchAs(tool, sim, 'learner2');
  sim.locale = 'en';
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

async function award(who: Person, title: string) {
  const credentialId = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title,
    supervisionType: 'unsupervised with no identity verification',
  });
  const a = await acceptComplete(tool, teacher, who, credentialId);
  const issued = await until('the credential to be issued', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [a.id]))[0]);
  return { award: a, uuid: issued.id as string, credentialId };
}

const mailTo = (address: string, subject: RegExp) =>
  until(`mail to ${address} (${subject})`, async () => inbox.find((m) => m.to.includes(address) && subject.test(m.mail.subject ?? '')), 20000);

/** The address of the List-Unsubscribe header, as a mail client reads it. */
const unsubscribeOf = (mail: ParsedMail) => /<([^>]+)>/.exec(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '')?.[1] ?? '';

/** The learner-mail jobs that finished (pg-boss keeps completed jobs in its table). */
const completedMailJobs = async () => Number((await q("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'learner-mail' AND state = 'completed'"))[0].n);

it('mails the learner when a badge is issued: share link, certificate, wallet, one-click unsubscribe', async () => {
  const { uuid } = await award(lena, 'Research Data Management');
  const { mail } = await mailTo('lena@uni.example', /You earned a badge: Research Data Management/);
  const share = `${tool.base}/credentials/${uuid}`;
  expect(mail.from?.value).toEqual([{ name: 'Example University', address: 'badges@uni.example' }]);
  expect(mail.text).toContain('Dear Lena Learner,');
  expect(mail.text).toContain(`Your badge's page: ${share}`);
  expect(mail.text).toContain(`Printable certificate (PDF): ${share}/certificate.pdf`);
  expect(mail.text).toContain(`Credential file for your wallet (JSON): ${share}.json?download=1`);
  expect(mail.text).toMatch(/digital wallet/);
  expect(mail.html).toContain(`href="${share}"`);
  expect(mail.html).toContain('<html lang="en">');
  expect(mail.headers.get('content-language')).toBe('en');
  expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  const unsubscribe = unsubscribeOf(mail);
  expect(unsubscribe).toMatch(new RegExp(`^${tool.base}/mail/unsubscribe/\\d+\\.[\\w-]{43}$`));
  // The links in the mail work: the share page and the certificate.
  expect((await fetch(share)).status).toBe(200);
  expect((await fetch(`${share}.json?download=1`)).status).toBe(200);
  // Recorded once; a job run again for the same event sends nothing more.
  expect(await q('SELECT to_address, event_key, locale FROM learner_mails WHERE issued_credential_id = $1', [uuid])).toEqual([
    { to_address: 'lena@uni.example', event_key: 'issued', locale: 'en' },
  ]);
  const [event] = await q("SELECT payload FROM outbox_events WHERE type = 'credential.issued' AND payload->>'learnerId' = $1", [String(lena.userId)]);
  await expect(tool.mail.handle(event.payload)).resolves.toBe('already-sent');
});

it('mails the learner when the badge is revoked, with the reason', async () => {
  const [row] = await q("SELECT id FROM issued_credentials WHERE learner_id = $1 AND credential->>'name' = 'Research Data Management'", [lena.userId]);
  await tool.badges.setRevoked(row.id, true, { label: `user:${teacher.userId}`, userId: teacher.userId }, 'Plagiarism found after award', teacher.courseId);
  const { mail } = await mailTo('lena@uni.example', /Your badge was revoked: Research Data Management/);
  expect(mail.text).toContain('The reason given: Plagiarism found after award');
  expect(mail.text).toContain(`${tool.base}/credentials/${row.id}`);
  // Reinstated: no mail for that (the badge is as the learner knew it).
  const before = inbox.length;
  const jobs = await completedMailJobs();
  await tool.badges.setRevoked(row.id, false, { label: `user:${teacher.userId}`, userId: teacher.userId }, undefined, teacher.courseId);
  await until('the reinstatement job to finish', async () => (await completedMailJobs()) > jobs || undefined);
  expect(inbox.length).toBe(before);
});

it('retries when the SMTP server refuses at first, and writes in the LMS language', async () => {
  refused = 0;
  refusals = 2;
  const { uuid } = await award(max, 'Open Science');
  const { mail } = await mailTo('max@uni.example', /Je hebt een badge behaald: Open Science/);
  expect(refused).toBe(2);
  expect(mail.text).toContain('Beste Max Student,');
  expect(mail.text).toContain(`${tool.base}/credentials/${uuid}`);
  expect(mail.headers.get('content-language')).toBe('nl');
  // pg-boss ran the job again after each refusal (backoff 2 s, 4 s). The mail arrives before
  // the job that sent it is marked completed.
  const job = await until('the mail job to be completed', async () => {
    const [row] = await q("SELECT retry_count FROM pgboss.job WHERE name = 'learner-mail' AND state = 'completed' AND data->>'learnerId' = $1", [
      String(max.userId),
    ]);
    return row;
  });
  expect(job.retry_count).toBe(2);
  expect(inbox.filter((m) => m.to.includes('max@uni.example'))).toHaveLength(1);
}, 40000);

it('sends nothing to a learner who opted out with the link, until they opt in on My badges', async () => {
  const { mail } = await mailTo('lena@uni.example', /You earned a badge/);
  const unsubscribe = unsubscribeOf(mail);
  // The link in the mail body asks first (a link scanner must not unsubscribe anyone)…
  const anon = new TestBrowser();
  const page = await anon.get(unsubscribe);
  expect(page.status).toBe(200);
  expect(text(page.body)).toContain('Stop these emails');
  expect(await q('SELECT * FROM learner_mail_settings')).toEqual([]);
  // … a forged token is refused …
  expect((await anon.get(unsubscribe.replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).status).toBe(404);
  expect((await anon.get(unsubscribe.replace(/\/\d+\./, `/${max.userId}.`))).status).toBe(404);
  // … and the mail client's one-click POST (RFC 8058) needs no session and no form token.
  const oneClick = await fetch(unsubscribe, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(oneClick.status).toBe(200);
  expect(text(await oneClick.text())).toContain('you will get no more email about your badges');
  expect(await q('SELECT learner_id, opted_out FROM learner_mail_settings')).toEqual([{ learner_id: lena.userId, opted_out: true }]);

  const before = inbox.length;
  const jobs = await completedMailJobs();
  await award(lena, 'Data Stewardship');
  await until('the mail job to finish', async () => (await completedMailJobs()) > jobs || undefined);
  expect(inbox.length).toBe(before);

  // My badges shows the choice and turns mail on again.
  const mine = await lena.browser.get(`${lena.base}/badges`);
  expect(text(mine.body)).toContain('You get no email about your badges.');
  const on = await submitForm(tool, lena.browser, mine, /\/mail$/);
  expect(text(on.body)).toContain('You will get an email when a badge is issued to you or revoked.');
  expect(text(on.body)).toContain('Stop these emails');
  expect(await q('SELECT opted_out FROM learner_mail_settings WHERE learner_id = $1', [lena.userId])).toEqual([{ opted_out: false }]);
  await award(lena, 'FAIR Publishing');
  await mailTo('lena@uni.example', /You earned a badge: FAIR Publishing/);
  // Turned off on My badges: the same opt-out.
  const off = await submitForm(tool, lena.browser, await lena.browser.get(`${lena.base}/badges`), /\/mail$/);
  expect(text(off.body)).toContain('You will get no more email about your badges.');
  // A teacher cannot change a learner's setting (the route is the learner's own).
  const refusedForTeacher = await teacher.browser.post(`${teacher.base}/mail`, { mail: 'off' });
  expect(refusedForTeacher.status).toBe(403);
}, 60000);

it('sends nothing to a learner whose LMS keeps their address back, and says so on My badges', async () => {
  // A Canvas course whose privacy level for microcred is anonymous: launches carry no name or e-mail.
  const canvas = await connectLms(tool, 'canvas');
  canvas.sharing.canvasPrivacyLevel = 'anonymous';
  try {
    const canvasTeacher = await launchAs(tool, canvas, 'instructor');
    const anonymous = await launchAs(tool, canvas, 'learner');
    expect(await q('SELECT name, email FROM lti_users WHERE id = $1', [anonymous.userId])).toEqual([{ name: null, email: null }]);
    const [before, jobs] = [inbox.length, await completedMailJobs()];
    const credentialId = await publishCredential(tool, canvasTeacher, {
      ...completeDefinition(),
      title: 'Open Science',
      supervisionType: 'unsupervised with no identity verification',
    });
    const a = await acceptComplete(tool, canvasTeacher, anonymous, credentialId);
    const issued = await until(
      'the credential to be issued',
      async () => (await q('SELECT id, credential FROM issued_credentials WHERE award_id = $1', [a.id]))[0],
    );
    await until('the mail job to finish', async () => (await completedMailJobs()) > jobs || undefined);
    expect(inbox.length).toBe(before);
    expect(await q('SELECT 1 FROM learner_mails WHERE issued_credential_id = $1', [issued.id])).toEqual([]);
    // The badge names its holder by the hashed LMS user id alone.
    expect(issued.credential.credentialSubject.identifier.map((i: { identityType: string }) => i.identityType)).toEqual(['ltiUserId']);
    expect(text((await anonymous.browser.get(`${anonymous.base}/badges`)).body)).toContain(
      'Your LMS has not given us your email address, so no mail can be sent.',
    );
  } finally {
    await canvas.stop();
  }
}, 60000);
