// Roster sync (NRPS) and the course dashboard, over real HTTP against the simulated LMS and
// a real PostgreSQL: every page of the roster is read (several pages, one cached token),
// applied all-or-nothing, rate limits are waited out, failures change nothing, and the
// dashboard shows every learner (launched or not) against every published credential.
import { nextLink, parseLinkHeader, platformRef, RosterSync, RosterSyncError, toMember } from '../../src/lti/roster';
import { hashSessionId } from '../../src/web/session';
import { acceptComplete, launchAs, type Person, publishCredential, submitComplete, submitForm, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { Page } from '../support/browser';
import { type PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let learner2: Person;
let awardId: number;
let originalMembers: PlatformSimulator['members'];
const PAGE_SIZE = 10;

beforeAll(async () => {
  // Badges are issued by hand below, so the dashboard's states are deterministic.
  tool = await startTestTool({ BACKGROUND_JOBS: 'off' });
  sim = await connectLms(tool, 'moodle-4.5');
  // Names and e-mail shared Always, as microcred's platform form asks of a Moodle administrator
  // (Moodle's default for a tool added by hand, Delegate to teacher, is tested below).
  shareAlways();
  // Moodle pages only when asked to (memberships.php); here the roster comes in pages of 10,
  // so that 27 members take three.
  sim.nrpsPageSize = PAGE_SIZE;
  originalMembers = sim.members.map((m) => ({ ...m }));
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  learner2 = await launchAs(tool, sim, 'learner2');
  await tool.issuer.save({
    name: 'Example University',
    url: 'https://www.example.edu',
    email: 'badges@example.edu',
    countryCode: 'NL',
    identifiers: [],
    qaPolicyUrl: 'https://www.example.edu/qa',
    qaType: 'Institutional accreditation',
  } as never);
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  awardId = (await acceptComplete(tool, teacher, learner, credentialId)).id;
  await submitComplete(tool, learner2, credentialId);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});
function shareAlways() {
  sim.sharing.moodle = { name: 'always', email: 'always', teacherSharesName: true, teacherSharesEmail: true };
}
afterEach(() => {
  // Every test starts from the LMS's full, healthy roster.
  shareAlways();
  sim.members = originalMembers.map((m) => ({ ...m }));
  sim.nrpsRateLimit = undefined;
  sim.nrpsFailFromPage = undefined;
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const nrpsRequests = () => sim.received.filter((r) => r.path.startsWith('/nrps/')).length;
const dashboard = () => teacher.browser.get(teacher.base);
/** Presses "Sync the roster from the LMS" on the dashboard, as the teacher. */
const sync = async (): Promise<Page> => submitForm(tool, teacher.browser, await dashboard(), '/roster/sync');
/** The grid row of one person, by the name the LMS gives. */
function row(html: string, name: string): string | undefined {
  return html.split('<tr>').find((r) => r.includes(`<th scope="row">${name}<`));
}
const memberStates = () => q('SELECT user_id, status, app_role FROM course_members WHERE course_id = $1 ORDER BY user_id', [teacher.courseId]);

describe('Link header', () => {
  it('finds rel="next" among several links, with quoted commas, rel lists and relative URIs', () => {
    const header =
      '<https://lms.example/nrps?page=1>; rel="first", <?page=3&x=a,b>; title="a, \\"quoted\\" title"; rel="next last", <https://lms.example/nrps?page=9>; rel=prev';
    const links = parseLinkHeader(header, 'https://lms.example/nrps?page=2');
    expect(links.map((l) => l.rel)).toEqual([['first'], ['next', 'last'], ['prev']]);
    expect(links[1]).toMatchObject({ uri: 'https://lms.example/nrps?page=3&x=a,b', params: { title: 'a, "quoted" title' } });
    expect(nextLink(header, 'https://lms.example/nrps?page=2')).toBe('https://lms.example/nrps?page=3&x=a,b');
  });

  it('has no next link when there is none, or when the header is malformed', () => {
    expect(nextLink(null)).toBeUndefined();
    expect(nextLink('<https://lms.example/a>; rel="prev"')).toBeUndefined();
    expect(nextLink('garbage, rel=next')).toBeUndefined();
    expect(nextLink('<https://lms.example/b>; REL=NEXT')).toBe('https://lms.example/b');
    // Only the first rel counts (RFC 8288).
    expect(nextLink('<https://lms.example/c>; rel="prev"; rel="next"')).toBeUndefined();
  });
});

describe('NRPS member', () => {
  it('takes the spec’s Inactive and Deleted statuses as having left (LMSs other than Moodle and Canvas send them)', () => {
    expect(toMember({ user_id: 'a', roles: [], status: 'Inactive' })?.status).toBe('inactive');
    expect(toMember({ user_id: 'b', roles: [], status: 'Deleted' })?.status).toBe('inactive');
    expect(toMember({ user_id: 7, roles: [] })).toMatchObject({ sub: '7', status: 'active' });
    expect(toMember({ name: 'No id' })).toBeUndefined();
  });
});

describe('roster sync and the course dashboard', () => {
  it('before any sync, lists those who launched, keeps every link and offers the sync', async () => {
    const page = await dashboard();
    expect(page.status).toBe(200);
    for (const href of ['/outcomes', '/credentials', '/assessments', '/assessments/settings', '/assessments/audit', '/badges/issued'])
      expect(page.body).toContain(`href="/app/${teacher.base.split('/app/')[1]}${href}"`);
    expect(text(page.body)).toContain('The roster has not been synced from the LMS yet');
    expect(page.body).toMatch(/<form method="post" action="[^"]+\/roster\/sync">\s*<input type="hidden" name="_csrf" value="[^"]+">/);
    expect(page.body).toContain('<caption>2 learners in the course');
    expect(page.body).toContain('<th scope="col">Research Data Management</th>');
    expect(row(page.body, 'Lena Learner')).toContain('Awarded');
    expect(row(page.body, 'Max Student')).toContain('Submitted');
    expect(row(page.body, 'Learner 7')).toBeUndefined();
    expect(text(page.body)).toContain('Research Data Management : awarded 1 of 2 ·');
  });

  it('imports every member from all pages with their names, using one cached token', async () => {
    const tokens = tool.services.tokenRequests;
    const requests = nrpsRequests();
    const page = await sync();
    expect(page.status).toBe(200);
    // The confirmation lands on the dashboard's own address, which never redirects elsewhere.
    expect(page.url).toMatch(new RegExp(`^${teacher.base}/dashboard\\?notice=roster-synced&.*#roster$`));
    // 27 in the LMS; the teacher and two learners were already known from their launches.
    expect(text(page.body)).toContain('Roster synced from the LMS: 27 people in the course; 24 added, 0 updated, 0 marked as having left.');
    expect(nrpsRequests() - requests).toBe(Math.ceil(sim.members.length / PAGE_SIZE));
    expect(tool.services.tokenRequests - tokens).toBeLessThanOrEqual(1);
    const nrps = sim.received.filter((r) => r.path.startsWith('/nrps/')).at(-1)!;
    expect(nrps.headers.accept).toBe('application/vnd.ims.lti-nrps.v2.membershipcontainer+json');

    const members = await q(
      'SELECT u.sub, u.name, u.email, m.app_role, m.status, m.last_launch_at FROM course_members m JOIN lti_users u ON u.id = m.user_id WHERE m.course_id = $1',
      [teacher.courseId],
    );
    expect(members).toHaveLength(27);
    expect(members.every((m) => m.status === 'active')).toBe(true);
    expect(members.find((m) => m.sub === 'u-gen-7')).toMatchObject({
      name: 'Learner 7',
      email: 'learner7@uni.example',
      app_role: 'learner',
      last_launch_at: null,
    });
    expect(members.find((m) => m.sub === USERS.ta.sub)).toMatchObject({ app_role: 'instructor' });
    expect((await q('SELECT last_roster_sync_at FROM course_services WHERE course_id = $1', [teacher.courseId]))[0].last_roster_sync_at).not.toBeNull();

    // Everyone with the learner role, launched or not: 2 named + 21 generated.
    expect(page.body).toContain('<caption>23 learners in the course');
    expect(row(page.body, 'Learner 7')).toContain('Not started');
    expect(row(page.body, 'Learner 7')).toContain('has not opened microcred');
    expect(row(page.body, 'Lena Learner')).toContain('Awarded');
    expect(row(page.body, 'Lena Learner')).not.toContain('has not opened microcred');
    expect(row(page.body, 'Ada Teacher')).toBeUndefined(); // staff are not in the grid
    expect(text(page.body)).toContain('Research Data Management : awarded 1 of 23 · 1 waiting for assessment · 21 not started');
    // Sorted by family name, numbers in numeric order.
    expect(page.body.indexOf('>Learner 2<')).toBeLessThan(page.body.indexOf('>Learner 10<'));
    expect(text(page.body)).toMatch(/Roster last synced from the LMS: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // Again: nothing new, and the token is reused from the cache.
    const again = await sync();
    expect(text(again.body)).toContain('27 people in the course; 0 added, 0 updated, 0 marked as having left.');
    expect(tool.services.tokenRequests - tokens).toBeLessThanOrEqual(1);
  });

  it('takes new names from the LMS but keeps an email the launch gave when NRPS leaves it out', async () => {
    const lena = sim.members.find((m) => m.user_id === USERS.learner.sub)! as Record<string, unknown>;
    lena.name = 'Lena Learner-Smith';
    delete lena.email;
    const page = await sync();
    expect(text(page.body)).toContain('27 people in the course; 0 added, 1 updated, 0 marked as having left.');
    const [u] = await q('SELECT name, email FROM lti_users WHERE sub = $1', [USERS.learner.sub]);
    expect(u).toEqual({ name: 'Lena Learner-Smith', email: 'lena@uni.example' });
    expect(row(page.body, 'Lena Learner-Smith')).toContain('lena@uni.example');
    sim.members = originalMembers.map((m) => ({ ...m }));
    await sync(); // back to the LMS's original name
  });

  it('says which Moodle setting shares names and e-mail addresses when the roster comes without them', async () => {
    // Moodle's default for a tool added by hand: Delegate to teacher, which a course roster does not follow.
    sim.sharing.moodle.name = 'delegate';
    sim.sharing.moodle.email = 'delegate';
    sim.members.push({ ...originalMembers.at(-1)!, user_id: 'u-new-1', name: 'Nina New', given_name: 'Nina', family_name: 'New', email: 'nina@uni.example' });
    const page = await sync();
    expect(text(page.body)).toContain('Roster synced from the LMS: 28 people in the course; 1 added, 0 updated, 0 marked as having left.');
    const withheld = text(page.body.split('id="roster-withheld">')[1].split('</p>')[0]);
    expect(withheld).toContain('The LMS left out the names of 28 of these people and the e-mail addresses of 28');
    expect(withheld).toContain('set “Share launcher’s name with tool” and “Share launcher’s email with tool” to Always');
    // Known names and addresses stay; someone new is listed by their LMS user id.
    expect(row(page.body, 'Lena Learner')).toContain('lena@uni.example');
    expect(row(page.body, 'LMS user u-new-1')).toContain('has not opened microcred');
    expect(await q('SELECT name, email FROM lti_users WHERE sub = $1', ['u-new-1'])).toEqual([{ name: null, email: null }]);
    // Shared Always, the next sync names them, and the notice is gone.
    shareAlways();
    const named = await sync();
    expect(row(named.body, 'Nina New')).toContain('nina@uni.example');
    expect(named.body).not.toContain('id="roster-withheld"');
    // The later tests count the course's 27 members.
    await q("DELETE FROM course_members WHERE user_id = (SELECT id FROM lti_users WHERE sub = 'u-new-1')");
  });

  it('shows an issued badge, and a revoked one', async () => {
    const issued = await tool.badges.issueForAward(awardId);
    expect(row((await dashboard()).body, 'Lena Learner')).toContain('Badge issued');
    await tool.badges.setRevoked(issued.id, true, { label: `user:${teacher.userId}`, userId: teacher.userId }, 'Issued in error', teacher.courseId);
    const page = await dashboard();
    expect(row(page.body, 'Lena Learner')).toContain('Revoked');
    expect(text(page.body)).toContain('Research Data Management : awarded 0 of 23 · 1 waiting for assessment · 1 revoked');
    await tool.badges.setRevoked(issued.id, false, { label: `user:${teacher.userId}`, userId: teacher.userId }, 'Reinstated', teacher.courseId);
    expect(row((await dashboard()).body, 'Lena Learner')).toContain('Badge issued');
  });

  it('marks members the LMS no longer lists (gone, or suspended) as having left; their award stays; a relaunch brings them back', async () => {
    sim.members = sim.members.filter((m) => m.user_id !== USERS.learner.sub);
    // A suspended enrolment: Moodle leaves it out of NRPS (it never says "Inactive").
    sim.members.find((m) => m.user_id === 'u-gen-3')!.status = 'Inactive';
    const page = await sync();
    expect(text(page.body)).toContain('25 people in the course; 0 added, 0 updated, 2 marked as having left.');
    const [lena] = await q('SELECT status FROM course_members WHERE course_id = $1 AND user_id = $2', [teacher.courseId, learner.userId]);
    expect(lena.status).toBe('inactive');
    expect(await q('SELECT id FROM awards WHERE id = $1', [awardId])).toHaveLength(1);

    // Not in the course's grid any more, but in the collapsed list, with the badge.
    const [current, left] = page.body.split('<details class="left-course">');
    expect(row(current, 'Lena Learner')).toBeUndefined();
    expect(left).toContain('<summary>Left the course (2)</summary>');
    expect(row(left, 'Lena Learner')).toContain('Badge issued');
    expect(row(left, 'Learner 3')).toContain('Not started');
    expect(text(page.body)).toContain('Research Data Management : awarded 0 of 21 ·');

    await launchAs(tool, sim, 'learner');
    const [back] = await q('SELECT status FROM course_members WHERE course_id = $1 AND user_id = $2', [teacher.courseId, learner.userId]);
    expect(back.status).toBe('active');
    expect(row((await dashboard()).body.split('<details')[0], 'Lena Learner')).toContain('Badge issued');
    sim.members = originalMembers.map((m) => ({ ...m }));
    await sync(); // the full roster again
  });

  it('waits out a rate-limited NRPS (429 with Retry-After) and completes', async () => {
    sim.nrpsRateLimit = { every: 2, retryAfterSeconds: 1 };
    const requests = nrpsRequests();
    const started = Date.now();
    const page = await sync();
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('Roster synced from the LMS: 27 people in the course');
    // Pages 2 and 3 were each refused once, then read after the wait asked for.
    expect(nrpsRequests() - requests).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('gives up on a page that stays rate limited, after waiting as asked (capped) or backing off', async () => {
    const [course] = await q('SELECT platform_id FROM courses WHERE id = $1', [teacher.courseId]);
    const platform = await platformRef(tool.database.db, course.platform_id);
    const waits: number[] = [];
    const roster = new RosterSync(tool.database.db, tool.services, { sleep: async (ms) => void waits.push(ms) });
    sim.nrpsRateLimit = { every: 1, retryAfterSeconds: 45 };
    await expect(roster.sync(teacher.courseId, platform)).rejects.toThrow(/HTTP 429.*still limited the requests after 5 tries/);
    expect(waits).toEqual([30_000, 30_000, 30_000, 30_000]);
    waits.length = 0;
    sim.nrpsRateLimit = { every: 1, retryAfterSeconds: 0 }; // no Retry-After: 2 s, doubling
    await expect(roster.sync(teacher.courseId, platform)).rejects.toBeInstanceOf(RosterSyncError);
    expect(waits).toEqual([2000, 4000, 8000, 16_000]);
  });

  it('shows the LMS’s error when NRPS fails part-way and changes nothing', async () => {
    sim.members = sim.members.filter((m) => m.user_id !== 'u-gen-21'); // would leave, if the sync went through
    sim.nrpsFailFromPage = 2;
    const before = await memberStates();
    const [{ last_roster_sync_at: lastSync }] = await q('SELECT last_roster_sync_at FROM course_services WHERE course_id = $1', [teacher.courseId]);
    const page = await sync();
    expect(page.status).toBe(502);
    const body = text(page.body);
    expect(body).toContain('The roster could not be read from the LMS');
    expect(body).toContain('The roster service is unavailable');
    expect(body).toContain('Nothing was changed');
    // The dashboard still works, with the roster as it was.
    expect(row(page.body, 'Learner 21')).toContain('Not started');
    expect(page.body).toContain('<caption>23 learners in the course');
    expect(await memberStates()).toEqual(before);
    expect((await q('SELECT last_roster_sync_at FROM course_services WHERE course_id = $1', [teacher.courseId]))[0].last_roster_sync_at).toEqual(lastSync);
  });

  it('says what to do when the LMS never offered NRPS for the course', async () => {
    const [{ memberships_url: url }] = await q('SELECT memberships_url FROM course_services WHERE course_id = $1', [teacher.courseId]);
    await q('UPDATE course_services SET memberships_url = NULL WHERE course_id = $1', [teacher.courseId]);
    try {
      const requests = nrpsRequests();
      const page = await sync();
      expect(page.status).toBe(409);
      expect(text(page.body)).toContain(
        'Open microcred from the course again, or ask your LMS administrator to enable the Names and Roles service for the tool',
      );
      expect(text(page.body)).toContain('The LMS has not offered this course’s roster');
      expect(nrpsRequests()).toBe(requests);
    } finally {
      await q('UPDATE course_services SET memberships_url = $2 WHERE course_id = $1', [teacher.courseId, url]);
    }
  });

  it('refuses the sync to learners, and without a valid CSRF token', async () => {
    const requests = nrpsRequests();
    // With the learner's own valid token: the role, not the token, refuses it.
    const [{ csrf: learnerToken }] = await q(`SELECT data->>'csrf' AS csrf FROM web_sessions WHERE sid = $1`, [
      hashSessionId(learner.browser.cookie('mc_sid')!.value),
    ]);
    const byLearner = await learner.browser.post(`${learner.base}/roster/sync`, { _csrf: learnerToken });
    expect(byLearner.status).toBe(403);
    expect(byLearner.body).toContain('ROLE_NOT_ALLOWED');
    const noToken = await teacher.browser.post(`${teacher.base}/roster/sync`, {});
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain('CSRF_TOKEN_INVALID');
    const wrongToken = await teacher.browser.post(`${teacher.base}/roster/sync`, { _csrf: 'x'.repeat(32) });
    expect(wrongToken.status).toBe(403);
    expect(nrpsRequests()).toBe(requests);
  });

  it('two syncs at once both complete, one after the other', async () => {
    const [course] = await q('SELECT platform_id FROM courses WHERE id = $1', [teacher.courseId]);
    const platform = await platformRef(tool.database.db, course.platform_id);
    const roster = new RosterSync(tool.database.db, tool.services);
    const results = await Promise.all([roster.sync(teacher.courseId, platform), roster.sync(teacher.courseId, platform)]);
    expect(results.map((r) => r.total)).toEqual([27, 27]);
    expect(await q('SELECT 1 FROM course_members WHERE course_id = $1', [teacher.courseId])).toHaveLength(27);
  });

  it('builds the dashboard for 25+ members in a fixed handful of queries (no query per learner)', async () => {
    const spy = jest.spyOn(tool.database.pool, 'query');
    try {
      const page = await dashboard();
      expect(page.status).toBe(200);
      expect(page.body).toContain('<caption>23 learners in the course');
      // Session, launch, and the dashboard's five course-wide queries: far fewer than one per learner.
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(5); // the spy does see drizzle's queries
      expect(spy.mock.calls.length).toBeLessThan(15);
    } finally {
      spy.mockRestore();
    }
  });
});
