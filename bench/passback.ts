// Grade passback to an LMS that answers every AGS request in 50 ms: 1,000 learners'
// scores, through the passback service (state read, line item, token, POST, status) with
// the per-LMS concurrency limit (LTI_SERVICE_CONCURRENCY, default 8). Reports total time,
// throughput and the peak concurrency the LMS saw. Run: npm run bench:passback [N]
import { launchAs, publishCredential } from '../test/assessment/support';
import { completeDefinition } from '../test/credentials/fixtures';
import { connectLms, startTestTool } from '../test/support/tool';

const N = Number(process.argv[2] ?? 1000);
const CALLERS = 64; // jobs in flight in the process; the service client caps calls per LMS

async function main() {
  const tool = await startTestTool({ BACKGROUND_JOBS: 'off' });
  const sim = await connectLms(tool, 'moodle-4.5');
  sim.agsFaults = { failRate: 0, down: false, latencyMs: 50 };
  const teacher = await launchAs(tool, sim, 'instructor');
  const credentialId = await publishCredential(tool, teacher, completeDefinition());
  const q = (text: string, params: unknown[] = []) => tool.database.pool.query(text, params).then((r) => r.rows);
  const [course] = await q('SELECT platform_id FROM courses WHERE id = $1', [teacher.courseId]);
  const [version] = await q("SELECT id FROM credential_versions WHERE credential_id = $1 AND status = 'published'", [credentialId]);
  const learners = await q(
    "INSERT INTO lti_users (platform_id, sub, name) SELECT $1, 'bench-' || g, 'Learner ' || g FROM generate_series(1, $2) g RETURNING id, sub",
    [course.platform_id, N],
  );
  // Moodle takes scores only for the course's students: they are on its roster.
  sim.members.push(
    ...learners.map((l) => ({
      user_id: l.sub,
      name: l.sub,
      given_name: 'Learner',
      family_name: l.sub,
      email: `${l.sub}@uni.example`,
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      status: 'Active',
    })),
  );
  await q(
    "INSERT INTO submissions (course_id, credential_id, credential_version_id, learner_id, attempt_no, status, submitted_at) SELECT $1, $2, $3, u, 1, 'submitted', now() FROM unnest($4::int[]) u",
    [teacher.courseId, credentialId, version.id, learners.map((l) => l.id)],
  );

  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < learners.length) {
        const learnerId = learners[next++].id;
        await tool.passback.send({ courseId: teacher.courseId, credentialId, learnerId });
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const [{ sent }] = await q("SELECT count(*)::int AS sent FROM grade_passback WHERE status = 'sent'");
  const held = [...sim.scores.keys()].length;
  console.log(`${N} scores, LMS latency 50 ms, limit ${tool.config.serviceConcurrency} per LMS`);
  console.log(
    `total ${secs.toFixed(2)} s · ${(N / secs).toFixed(0)} scores/s · peak concurrency at the LMS ${sim.agsPeakInFlight} (client's own count ${tool.services.peakConcurrency(course.platform_id)})`,
  );
  console.log(`sent ${sent}, held by the LMS ${held}, token requests ${tool.services.tokenRequests}, line items ${sim.lineItems.size}`);
  console.log(`floor for this limit: ${((N * 0.05) / tool.config.serviceConcurrency).toFixed(2)} s`);
  await tool.stop();
  await sim.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
