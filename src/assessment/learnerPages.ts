// The learner's work on one credential, inside the launch:
// /app/:launchId/credentials/:credentialId/my-work… . Progress by learning outcome and
// criterion, the evidence still needed, the identity notice, the draft with its evidence
// (files, links, reflections, existing Open Badges), submitting, and the feedback.
// Learners only ever reach their own attempts: every query filters by the launch's user.
import type { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import type { CredentialStore } from '../credentials/store';
import type { CredentialDefinition } from '../credentials/model';
import { EVIDENCE_KINDS, fileTypeLabel, formatBytes } from '../credentials/vocabulary';
import { csrfToken } from '../web/csrf';
import { fieldText } from '../forms';
import { AppError } from '../errors';
import { idParam } from '../web/params';
import { typeAllowed, sniffMimeType } from './fileType';
import { describeIdentity, identityFromLaunch, identityNotice } from './identity';
import { countEvidence, credentialProgress } from './progress';
import { scoreRubric } from './scoring';
import type { AssessmentStore, NewEvidence } from './store';
import { verifyPriorBadge } from './priorBadge';
import type { VerificationReport } from '../badges/verify';
import type { SurveyStore } from '../qa/surveys';
import { refuseUnstorableBody } from '../web/input';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

interface Failed {
  values: Record<string, string>;
  errors: Record<string, string>;
}

/** A refused action for the form: message, hint and code kept apart, so the view can show each in the page's language. */
export const formError = (e: AppError): Record<string, string> => ({ _form: e.message, _formHint: e.hint ?? '', _formCode: e.code });

export interface LearnerOptions {
  maxUploadBytes: number;
  /** Verifies a prior-learning badge (src/badges/verifier.ts): its URLs come from the learner. */
  verify: (input: string) => Promise<VerificationReport>;
}

export interface LearnerPagesDeps {
  assessment: AssessmentStore;
  credentials: CredentialStore;
  surveys: SurveyStore;
  learner: LearnerOptions;
}

export function learnerPages({ assessment: store, credentials: credentialsStore, surveys, learner: opts }: LearnerPagesDeps): Router {
  const r = launchPageRouter({ access: 'course:learn', formLimit: '1mb' });
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: opts.maxUploadBytes, files: 1, fields: 30, fieldSize: 1024 * 1024 } }).single(
    'file',
  );
  r.use((req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE';
        return next(
          new AppError(
            tooBig
              ? `The file is larger than ${formatBytes(opts.maxUploadBytes)}, the most this site accepts.`
              : `The upload was not accepted (${err.message}).`,
            tooBig ? 413 : 400,
            tooBig ? 'FILE_TOO_LARGE' : 'UPLOAD_REFUSED',
            'Choose a smaller file, or share it as a link instead. Your draft is unchanged.',
          ),
        );
      }
      next(err as Error | undefined);
    }),
  );
  r.use(refuseUnstorableBody);

  const learnerId = (req: Request) => launchOf(req).userId;
  const credentialId = (req: Request) => idParam(req, 'credentialId', 'That credential does not exist in this course.');
  const pageUrl = (req: Request) => `${launchBase(req)}/credentials/${credentialId(req)}/my-work`;

  const render = async (req: Request, res: Response, failed?: Failed & { form: string }, status = 200) => {
    const cred = await credentialsStore.get(courseOf(req), credentialId(req), { publishedOnly: true });
    const attempts = await store.attempts(courseOf(req), credentialId(req), learnerId(req));
    const current = attempts[0];
    const def: CredentialDefinition = current ? await store.definitionOfVersion(current.credentialVersionId) : cred.published!.definition;
    const evidence = current ? await store.evidenceOf(current.id) : [];
    const decisions = await store.decisionsFor(attempts.map((a) => a.id));
    const lastDecision = decisions.sort((a, b) => b.assessment.submissionId - a.assessment.submissionId)[0];
    const progress = credentialProgress(def, {
      assessedLevels: lastDecision?.assessment.levels ?? {},
      evidence: countEvidence(evidence),
    });
    const settings = await store.settings(courseOf(req));
    const award = await store.awardFor(courseOf(req), credentialId(req), learnerId(req));
    // The short survey right after the award, offered here too while it is unanswered.
    const awardSurvey =
      award && (await surveys.pendingFor(courseOf(req), learnerId(req), settings.followUpMonths)).find((s) => s.awardId === award.id && s.kind === 'award');
    res.status(status).render('assessment/my-work', {
      ...(def.title ? { titleKey: 'assessment.myWork.title', titleParams: { title: def.title } } : { titleKey: 'assessment.myWork.titleUntitled' }),
      launch: req.launch,
      base: launchBase(req),
      page: pageUrl(req),
      csrf: csrfToken(req),
      credentialId: credentialId(req),
      def,
      progress,
      notice: identityNotice(def.supervisionType),
      current,
      evidence,
      attempts,
      feedback: decisions
        .map((d) => ({
          attemptNo: attempts.find((a) => a.id === d.assessment.submissionId)?.attemptNo,
          assessment: d.assessment,
          assessorName: d.assessorName,
          score: scoreRubric(def.rubric.criteria, d.assessment.levels),
          identity: describeIdentity(d.assessment.identity ?? undefined),
        }))
        .sort((a, b) => (b.attemptNo ?? 0) - (a.attemptNo ?? 0)),
      attemptsLeft: Math.max(0, settings.maxAttempts - (current?.attemptNo ?? 0)),
      maxAttempts: settings.maxAttempts,
      award,
      awardSurveyUrl: awardSurvey ? `${launchBase(req)}/surveys/${awardSurvey.awardId}/award` : undefined,
      evidenceKinds: EVIDENCE_KINDS,
      fileRules: Object.fromEntries(
        def.rubric.criteria.map((c) => [
          c.id,
          {
            types: c.evidence.allowedFileTypes.map(fileTypeLabel).join(', '),
            max: formatBytes(Math.min(c.evidence.maxFileSizeBytes ?? opts.maxUploadBytes, opts.maxUploadBytes)),
          },
        ]),
      ),
      maxUpload: formatBytes(opts.maxUploadBytes),
      failed,
      flash: typeof req.query.notice === 'string' ? req.query.notice : undefined,
    });
  };

  r.get('/', async (req, res) => {
    await render(req, res);
  });

  /** Starts the first attempt, or a resubmission after a returned one. */
  r.post('/start', async (req, res) => {
    await store.openDraft(courseOf(req), credentialId(req), learnerId(req));
    res.redirect(303, `${pageUrl(req)}#evidence`);
  });

  /** Adds one piece of evidence to the learner's draft. Bad input re-renders with what was typed. */
  r.post('/:submissionId/evidence', async (req, res, next) => {
    const values: Record<string, string> = {
      kind: fieldText(req.body.kind),
      criterionId: fieldText(req.body.criterionId),
      title: fieldText(req.body.title),
      url: fieldText(req.body.url),
      body: fieldText(req.body.body),
      badge: fieldText(req.body.badge),
    };
    const fail = (errors: Record<string, string>, status = 422) => render(req, res, { form: 'evidence', values, errors }, status);
    try {
      const submissionId = idParam(req, 'submissionId', 'That submission does not exist, or it is not yours.');
      const draft = await store.ownSubmission(courseOf(req), learnerId(req), submissionId);
      const def = await store.definitionOfVersion(draft.credentialVersionId);
      const criterion = def.rubric.criteria.find((c) => c.id === values.criterionId);
      const errors: Record<string, string> = {};
      if (values.criterionId && !criterion) errors.criterionId = 'Choose one of the rubric’s criteria (or “the credential as a whole”).';
      const kind = EVIDENCE_KINDS.find((k) => k.value === values.kind)?.value;
      if (!kind) errors.kind = 'Choose what kind of evidence this is.';
      const title = values.title.trim();
      if (title.length > 200) errors.title = 'Keep the title under 200 characters.';
      const item: NewEvidence = { criterionId: criterion?.id ?? null, kind: kind ?? 'link', title };

      if (kind === 'link') {
        let url: URL | undefined;
        try {
          url = new URL(values.url.trim());
        } catch {
          /* reported below */
        }
        if (!url || !['http:', 'https:'].includes(url.protocol))
          errors.url = 'Give a full web address starting with https://, e.g. https://github.com/you/project.';
        else if (url.href.length > 2000) errors.url = 'That address is longer than 2,000 characters.';
        item.url = url?.href;
        item.title = title || url?.hostname || 'Link';
      } else if (kind === 'reflection') {
        const body = values.body.trim();
        if (!body) errors.body = 'Write your reflection before adding it.';
        else if (body.length > 20000) errors.body = `Keep the reflection under 20,000 characters (it has ${body.length}).`;
        item.body = body;
        item.title = title || 'Reflection';
      } else if (kind === 'file') {
        const file = req.file;
        if (!file || file.size === 0) errors.file = 'Choose a file to upload (empty files are not accepted).';
        else {
          const detected = sniffMimeType(file.buffer);
          const allowed = criterion?.evidence.allowedFileTypes ?? [];
          const limit = criterion?.evidence.maxFileSizeBytes;
          if (!detected)
            errors.file = `We could not tell what kind of file “${file.originalname}” is, so it was not accepted.${allowed.length ? ` Upload ${allowed.map(fileTypeLabel).join(', ')}.` : ''}`;
          else if (!typeAllowed(detected, allowed)) {
            errors.file = `“${file.originalname}” is a ${fileTypeLabel(detected)} file${allowed.length ? `, but this criterion accepts ${allowed.map(fileTypeLabel).join(', ')}` : ' and web pages are not accepted'}. Its name does not decide: its content does.`;
          } else if (limit !== undefined && file.size > limit)
            errors.file = `“${file.originalname}” is ${formatBytes(file.size)}; this criterion accepts files up to ${formatBytes(limit)}.`;
          item.file = { filename: file.originalname.slice(0, 255), mimeType: detected ?? 'application/octet-stream', content: file.buffer };
          item.title = title || file.originalname.slice(0, 200);
        }
      } else if (kind === 'open-badge') {
        const text = req.file ? req.file.buffer.toString('utf8') : values.badge.trim();
        if (!text) errors.badge = 'Paste the credential (JSON or JWT) or upload its .json file.';
        else {
          const report = await verifyPriorBadge(text, opts.verify);
          if (!report.verified) errors.badge = `This Open Badge could not be accepted: ${report.problems.join(' ')}`;
          item.body = text;
          item.verification = report;
          item.title = title || report.summary.achievementName || 'Open Badge';
        }
      }
      if (Object.keys(errors).length) return await fail(errors);
      await store.addEvidence(courseOf(req), learnerId(req), submissionId, item);
      res.redirect(303, `${pageUrl(req)}?notice=added#evidence`);
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return fail(formError(e), e.status).catch(next);
      next(e);
    }
  });

  r.post('/:submissionId/evidence/:evidenceId/delete', async (req, res) => {
    await store.removeEvidence(
      courseOf(req),
      learnerId(req),
      idParam(req, 'submissionId', 'That submission does not exist.'),
      idParam(req, 'evidenceId', 'That evidence does not exist.'),
    );
    res.redirect(303, `${pageUrl(req)}?notice=removed#evidence`);
  });

  r.post('/:submissionId/submit', async (req, res, next) => {
    try {
      const launch = launchOf(req);
      const identity = identityFromLaunch({ platformName: launch.platformName, id: launch.id }, new Date(), launch.userId);
      await store.submit(courseOf(req), learnerId(req), idParam(req, 'submissionId', 'That submission does not exist.'), identity);
      res.redirect(303, `${pageUrl(req)}?notice=submitted`);
    } catch (e) {
      if (e instanceof AppError && e.status === 422) return render(req, res, { form: 'submit', values: {}, errors: formError(e) }, 422).catch(next);
      next(e);
    }
  });

  return r;
}
