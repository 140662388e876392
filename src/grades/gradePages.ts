// Grade passback as the instructor sees it: per learner and credential, whether the LMS
// has the grade (sent), is about to get it (pending, with the last error if a try failed)
// or refused it (failed, with the LMS's reason); resend one or all. /app/:launchId/grades
import type { Router } from 'express';
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/database';
import { credentialVersions, ltiUsers, submissions } from '../db/schema';
import type { BackgroundJobs } from '../jobs/backgroundJobs';
import { csrfToken } from '../web/csrf';
import { AppError } from '../errors';
import type { GradePassback } from './passback';
import { parseId } from '../ids';
import { courseOf, launchBase } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

export interface GradePagesDeps {
  db: Db;
  passback: GradePassback;
  jobs: BackgroundJobs;
}

export function gradePages({ db, passback, jobs }: GradePagesDeps): Router {
  const r = launchPageRouter({ access: 'course:assess', formLimit: '16kb' });

  r.get('/', async (req, res) => {
    const courseId = courseOf(req);
    const [states, handedIn] = await Promise.all([
      passback.statusForCourse(courseId),
      // Everyone with something to report, including those whose job has not run yet.
      db
        .selectDistinct({
          credentialId: submissions.credentialId,
          learnerId: submissions.learnerId,
          learnerName: ltiUsers.name,
          learnerEmail: ltiUsers.email,
          title: credentialVersions.definition,
        })
        .from(submissions)
        .innerJoin(ltiUsers, eq(ltiUsers.id, submissions.learnerId))
        .innerJoin(credentialVersions, eq(credentialVersions.id, submissions.credentialVersionId))
        .where(and(eq(submissions.courseId, courseId), ne(submissions.status, 'draft'))),
    ]);
    const rows = new Map<
      string,
      {
        credentialId: number;
        learnerId: number;
        learner: string;
        credential: string;
        status: string;
        sentAt?: Date | null;
        attempts: number;
        error?: string | null;
      }
    >();
    for (const h of handedIn) {
      rows.set(`${h.credentialId}|${h.learnerId}`, {
        credentialId: h.credentialId,
        learnerId: h.learnerId,
        learner: h.learnerName ?? h.learnerEmail ?? `Learner ${h.learnerId}`,
        credential: (h.title as { title?: string }).title ?? 'Micro-credential',
        status: 'pending',
        attempts: 0,
      });
    }
    for (const s of states) {
      const key = `${s.row.credentialId}|${s.row.learnerId}`;
      const row = rows.get(key);
      if (row) Object.assign(row, { status: s.row.status, sentAt: s.row.sentTimestamp, attempts: s.row.attempts, error: s.row.lastError });
    }
    const list = [...rows.values()].sort((a, b) => a.credential.localeCompare(b.credential) || a.learner.localeCompare(b.learner));
    const counts = {
      sent: list.filter((x) => x.status === 'sent').length,
      pending: list.filter((x) => x.status === 'pending').length,
      failed: list.filter((x) => x.status === 'failed').length,
    };
    res.render('grades/passback', {
      titleKey: 'grades.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      list,
      counts,
      jobsRunning: jobs.running,
      notice: req.query.notice,
    });
  });

  r.post('/resend', async (req, res) => {
    const courseId = courseOf(req);
    // One learner's grade when the form names one; every grade of the course otherwise.
    const credentialId = parseId(req.body.credentialId);
    const learnerId = parseId(req.body.learnerId);
    const one = credentialId !== undefined && learnerId !== undefined;
    if (!jobs.running)
      throw new AppError(
        'Grade passback is not running in this installation right now.',
        503,
        'JOBS_OFF',
        'Ask your administrator to start microcred with BACKGROUND_JOBS=on.',
      );
    const targets = await passback.requestResend(courseId, one ? { credentialId, learnerId } : undefined);
    for (const t of targets) await jobs.send('grade-passback', { ...t, at: Date.now() });
    res.redirect(303, `${launchBase(req)}/grades?notice=${one ? 'resent-one' : 'resent-all'}`);
  });

  return r;
}
