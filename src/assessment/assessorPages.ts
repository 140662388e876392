// The assessor's side, inside a launch: /app/:launchId/assessments… . The queue with
// filters and counts, the scoring page (rubric levels beside the evidence, comments,
// identity verification, decision), blind second marking with agreement per criterion,
// the course's assessment settings and its audit log. Also the evidence file route.
import type { Request, Response, Router } from 'express';
import type { CredentialStore } from '../credentials/store';
import type { CredentialDefinition } from '../credentials/model';
import { EVIDENCE_KINDS, IDENTITY_METHODS, IDENTITY_REQUIREMENTS } from '../credentials/vocabulary';
import { can, requireCapability } from '../web/authz';
import { csrfToken } from '../web/csrf';
import { fieldText, formVersionMissing } from '../forms';
import { AppError, ForbiddenError } from '../errors';
import { parseId } from '../ids';
import { idParam } from '../web/params';
import { pageTranslator } from '../web/views';
import { describeIdentity, ID_DOCUMENT_TYPES, identityFromForm } from './identity';
import { compareAssessors, scoreRubric } from './scoring';
import type { AssessmentStore } from './store';
import { formError } from './learnerPages';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

const STATUSES = ['submitted', 'returned', 'accepted', 'rejected', 'second-marking'] as const;

/** Levels and comments per criterion from the scoring form (level_<id>, comment_<id>). */
function marksFromForm(def: CredentialDefinition, body: Record<string, unknown>) {
  const levels: Record<string, string> = {};
  const criterionComments: Record<string, string> = {};
  for (const c of def.rubric.criteria) {
    const level = fieldText(body[`level_${c.id}`]);
    if (c.levels.some((l) => l.id === level)) levels[c.id] = level;
    const comment = fieldText(body[`comment_${c.id}`]).trim().slice(0, 5000);
    if (comment) criterionComments[c.id] = comment;
  }
  return { levels, criterionComments, overallComment: fieldText(body.overallComment).trim().slice(0, 10000) };
}

/** The identity method the credential's supervision type suggests, to preselect it. */
function suggestedMethod(def: CredentialDefinition): string {
  const req = def.supervisionType ? IDENTITY_REQUIREMENTS[def.supervisionType] : undefined;
  if (!req || (!req.supervised && !req.identityVerified)) return 'lms-launch';
  return req.acceptedMethods.includes('online-supervisor') ? 'online-supervisor' : 'onsite-id-check';
}

export interface AssessorPagesDeps {
  assessment: AssessmentStore;
  credentials: CredentialStore;
}

export function assessorPages({ assessment: store, credentials: credentialsStore }: AssessorPagesDeps): Router {
  const r = launchPageRouter({ access: 'course:assess', formLimit: '512kb' });

  const me = (req: Request) => launchOf(req).userId;
  const submissionId = (req: Request) => idParam(req, 'submissionId', 'That submission does not exist in this course.');

  r.get('/', async (req, res) => {
    const status =
      STATUSES.find((s) => s === req.query.status) ?? (req.query.status === 'all' ? undefined : req.query.status === undefined ? 'submitted' : undefined);
    const credentialId = parseId(req.query.credential);
    const learner = fieldText(req.query.learner).trim().slice(0, 100);
    const { rows, counts } = await store.queue(courseOf(req), { status, credentialId, learner: learner || undefined, assessorId: me(req) });
    const list = await credentialsStore.listForCourse(courseOf(req), { publishedOnly: true });
    res.render('assessment/queue', {
      titleKey: 'assessment.queue.title',
      launch: req.launch,
      base: launchBase(req),
      rows,
      counts,
      filter: { status: status ?? 'all', credentialId, learner },
      credentials: list.map((c) => ({
        id: c.id,
        title: (c.published!.definition as { title?: string }).title ?? pageTranslator(res.locals)('common.untitledCredential'),
      })),
      me: me(req),
    });
  });

  r.get('/settings', async (req, res) => {
    res.render('assessment/settings', {
      titleKey: 'assessment.settings.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      values: await store.settings(courseOf(req)),
      errors: {},
      saved: req.query.notice === 'saved',
    });
  });

  r.post('/settings', requireCapability('course:design'), async (req, res) => {
    const maxAttempts = Number(fieldText(req.body.maxAttempts));
    const followUpMonths = Number(fieldText(req.body.followUpMonths));
    const values = {
      assessorNotLearner: req.body.assessorNotLearner === 'on',
      assessorNotTeacher: req.body.assessorNotTeacher === 'on',
      maxAttempts,
      followUpMonths,
    };
    const errors: Record<string, string> = {};
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) errors.maxAttempts = 'Give a whole number of attempts from 1 to 20.';
    if (!Number.isInteger(followUpMonths) || followUpMonths < 1 || followUpMonths > 36) errors.followUpMonths = 'Give a whole number of months from 1 to 36.';
    if (Object.keys(errors).length) {
      const typed = { ...values, maxAttempts: fieldText(req.body.maxAttempts), followUpMonths: fieldText(req.body.followUpMonths) };
      return res.status(422).render('assessment/settings', {
        titleKey: 'assessment.settings.title',
        launch: req.launch,
        base: launchBase(req),
        csrf: csrfToken(req),
        values: typed,
        errors,
        saved: false,
      });
    }
    await store.saveSettings(courseOf(req), me(req), values);
    res.redirect(303, `${launchBase(req)}/assessments/settings?notice=saved`);
  });

  r.get('/audit', async (req, res) => {
    const rows = await store.auditTrail(courseOf(req), { limit: 500 });
    res.render('assessment/audit', { titleKey: 'assessment.audit.title', launch: req.launch, base: launchBase(req), rows });
  });

  const scoringPage = async (
    req: Request,
    res: Response,
    failed?: { form: 'decide' | 'second'; values: Record<string, string>; errors: Record<string, string> },
    status = 200,
  ) => {
    const data = await store.forAssessor(courseOf(req), submissionId(req));
    const { submission, definition: def } = data;
    const mine = data.assessments.find((a) => a.assessorId === me(req));
    const primary = data.assessments.find((a) => a.role === 'primary');
    const seconds = data.assessments.filter((a) => a.role === 'second');
    // Blind: a second marker who has not finished sees nobody else's scores.
    const blind = mine?.role === 'second' && mine.status !== 'completed';
    const completedSeconds = seconds.filter((s) => s.status === 'completed');
    const agreement =
      primary?.status === 'completed'
        ? completedSeconds.map((s) => ({ assessorName: s.assessorName, rows: compareAssessors(def.rubric.criteria, primary.levels, s.levels) }))
        : [];
    const launchIdentity = submission.launchIdentity ?? undefined;
    const values: Record<string, string> = failed?.values ?? {
      identityMethod: suggestedMethod(def),
      identityFactors: '1',
      ...Object.fromEntries(Object.entries(mine?.levels ?? {}).map(([k, v]) => [`level_${k}`, v])),
    };
    res.status(status).render('assessment/score', {
      titleKey: 'assessment.score.title',
      titleParams: { learner: data.learnerName, title: def.title ?? '' },
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      data,
      def,
      mine,
      primary: blind ? undefined : primary,
      seconds: blind ? [] : seconds,
      blind,
      agreement,
      primaryScore: primary && !blind ? scoreRubric(def.rubric.criteria, primary.levels) : undefined,
      canDecide: submission.status === 'submitted' && mine?.role !== 'second',
      assignedToOther: submission.assignedAssessorId !== null && submission.assignedAssessorId !== me(req) && submission.status === 'submitted',
      independence: await store.independenceFor(courseOf(req), me(req), submission.learnerId),
      staff: (await store.courseStaff(courseOf(req))).filter(
        (s) =>
          s.id !== (primary?.assessorId ?? submission.assignedAssessorId ?? me(req)) &&
          s.id !== submission.learnerId &&
          !seconds.some((x) => x.assessorId === s.id),
      ),
      launchIdentity: describeIdentity(launchIdentity),
      describeIdentity,
      identityMethods: IDENTITY_METHODS,
      idDocumentTypes: ID_DOCUMENT_TYPES,
      requirement: def.supervisionType ? IDENTITY_REQUIREMENTS[def.supervisionType].sentence : 'No supervision or identity verification is required.',
      evidenceKinds: EVIDENCE_KINDS,
      values,
      failed,
      designer: can(launchOf(req), 'course:design'),
      flash: typeof req.query.notice === 'string' ? req.query.notice : undefined,
    });
  };

  r.get('/:submissionId', async (req, res) => {
    await scoringPage(req, res);
  });

  r.post('/:submissionId/decide', async (req, res, next) => {
    const values = Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, fieldText(v)]));
    try {
      const data = await store.forAssessor(courseOf(req), submissionId(req));
      const def = data.definition;
      const marks = marksFromForm(def, req.body);
      const errors: Record<string, string> = {};
      for (const c of def.rubric.criteria) if (!marks.levels[c.id]) errors[`level_${c.id}`] = `Choose a level for “${c.title}”.`;
      const decision = ['accept', 'return', 'reject'].includes(values.decision) ? (values.decision as 'accept' | 'return' | 'reject') : undefined;
      if (!decision) errors.decision = 'Choose a decision: accept, return for resubmission, or reject.';
      if (decision !== 'accept' && !marks.overallComment) errors.overallComment = 'Tell the learner why in the overall comment: it is their feedback.';
      const identity = identityFromForm(
        {
          method: values.identityMethod,
          attestedBy: values.identityAttestedBy,
          supervisionMethod: values.identitySupervisionMethod,
          idDocumentType: values.identityIdDocumentType,
          identityVerified: values.identityVerified,
          factors: values.identityFactors,
        },
        {
          now: new Date(),
          recorderId: me(req),
          recorderName: launchOf(req).userName ?? `User ${me(req)}`,
          launchRecord: data.submission.launchIdentity ?? undefined,
        },
      );
      if (!identity.ok) Object.assign(errors, identity.errors);
      if (Object.keys(errors).length || !identity.ok || !decision) return await scoringPage(req, res, { form: 'decide', values, errors }, 422);
      const lockVersion = parseId(values.lockVersion);
      if (lockVersion === undefined) throw formVersionMissing();
      await store.decide(courseOf(req), data.submission.id, me(req), { decision, ...marks, identity: identity.record, lockVersion });
      res.redirect(303, `${launchBase(req)}/assessments/${data.submission.id}?notice=decided`);
    } catch (e) {
      if (e instanceof AppError && e.status < 500 && e.status !== 404)
        return scoringPage(req, res, { form: 'decide', values, errors: formError(e) }, e.status).catch(next);
      next(e);
    }
  });

  r.post('/:submissionId/take-over', async (req, res) => {
    await store.reassign(courseOf(req), submissionId(req), me(req));
    res.redirect(303, `${launchBase(req)}/assessments/${submissionId(req)}?notice=taken`);
  });

  r.post('/:submissionId/second-marking', async (req, res, next) => {
    try {
      const assessorId = parseId(req.body.assessorId);
      if (assessorId === undefined) {
        return await scoringPage(req, res, { form: 'second', values: {}, errors: { assessorId: 'Choose who should second-mark.' } }, 422);
      }
      await store.requestSecondMarking(courseOf(req), submissionId(req), me(req), assessorId);
      res.redirect(303, `${launchBase(req)}/assessments/${submissionId(req)}?notice=second-requested`);
    } catch (e) {
      if (e instanceof AppError && e.status < 500 && e.status !== 404)
        return scoringPage(req, res, { form: 'second', values: {}, errors: { assessorId: e.message } }, e.status).catch(next);
      next(e);
    }
  });

  r.post('/:submissionId/second-marking/complete', async (req, res, next) => {
    const values = Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, fieldText(v)]));
    try {
      const data = await store.forAssessor(courseOf(req), submissionId(req));
      const marks = marksFromForm(data.definition, req.body);
      const errors: Record<string, string> = {};
      for (const c of data.definition.rubric.criteria) if (!marks.levels[c.id]) errors[`level_${c.id}`] = `Choose a level for “${c.title}”.`;
      if (Object.keys(errors).length) return await scoringPage(req, res, { form: 'second', values, errors }, 422);
      await store.completeSecondMarking(courseOf(req), data.submission.id, me(req), marks);
      res.redirect(303, `${launchBase(req)}/assessments/${data.submission.id}?notice=second-done`);
    } catch (e) {
      if (e instanceof AppError && e.status < 500 && e.status !== 404)
        return scoringPage(req, res, { form: 'second', values, errors: { _form: e.message, _formCode: e.code } }, e.status).catch(next);
      next(e);
    }
  });

  return r;
}

/**
 * GET /app/:launchId/files/:fileId: an evidence file, to its owner or the course's
 * assessors only, checked on every request. Served as a download or in a sandbox, never
 * as a page of this site.
 */
export function filePages({ assessment: store }: { assessment: AssessmentStore }): Router {
  // Owner or assessor, decided per file below.
  const r = launchPageRouter({ access: 'each-route' });
  const INLINE = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain', 'video/mp4', 'audio/mpeg']);
  r.get('/:fileId', async (req, res) => {
    const launch = launchOf(req);
    if (launch.courseId === null) throw new ForbiddenError();
    const { meta, content } = await store.fileFor(launch.courseId, { userId: launch.userId, assessor: can(launch, 'course:assess') }, req.params.fileId);
    const disposition = INLINE.has(meta.mimeType) ? 'inline' : 'attachment';
    res.setHeader('Content-Type', meta.mimeType === 'text/plain' ? 'text/plain; charset=utf-8' : meta.mimeType);
    res.setHeader('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(meta.filename)}`);
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; plugin-types application/pdf");
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(content);
  });
  return r;
}
