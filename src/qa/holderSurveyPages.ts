// The follow-up survey for badge holders who have left the LMS: /credentials/:uuid/follow-up,
// linked from the public share page. The share page is public, so this page asks for proof
// of holding the badge: the holder code the learner sees on "My badges" inside the LMS.
//
// These routes have no session (they are mounted with the other public pages), so there is
// no synchronizer CSRF token. The holder code in the form does that job: a cross-site form
// cannot know it. The app's CSRF check lists the survey as an exemption for that reason, and
// still turns away a post another site sent (src/web/csrf.ts, CSRF_EXEMPTIONS).
import { type Request, type Response, Router } from 'express';
import { AppError, NotFoundError } from '../errors';
import { PRIVACY_FLOOR } from './metrics';
import { COMMENT_LABEL, COMMENT_MAX, parseSurveyForm, QUESTIONS } from './surveyForm';
import { assertOpen, holderCodeMatches, normaliseHolderCode, type SurveyState, type SurveyStore } from './surveys';
import { formBody } from '../web/input';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export interface HolderSurveyDeps {
  surveys: SurveyStore;
  /** The holder code is derived from it (src/qa/surveys.ts). */
  encryptionKey: Buffer;
}

type HolderState = SurveyState & { learnerId: number };

export function holderSurveyPages(deps: HolderSurveyDeps): Router {
  const { surveys } = deps;
  const r = Router();
  const path = `/credentials/:uuid(${UUID})/follow-up`;
  const pageUrl = (uuid: string) => `/credentials/${uuid}/follow-up`;
  // Found by the credential's UUID, so it has one.
  const uuidOf = (state: HolderState) => state.credentialUuid!;

  /** The follow-up of the badge at this address; a revoked badge has none. */
  const followUp = async (req: Request): Promise<HolderState> => {
    const state = await surveys.followUpOfCredential(req.params.uuid);
    if (!state)
      throw new NotFoundError('There is no credential at this address.', 'CREDENTIAL_NOT_FOUND', 'Check the link you were given; it must be copied in full.');
    if (state.revoked) {
      throw new AppError(
        'This badge has been revoked, so it has no follow-up survey.',
        410,
        'CREDENTIAL_REVOKED',
        'If you hold this badge and think the revocation is a mistake, ask the course’s teachers.',
      );
    }
    return state;
  };

  const render = (res: Response, state: HolderState, view: Record<string, unknown>, status = 200) => {
    // The page may carry the holder code: never cached, never indexed.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.status(status).render('qa/holder-follow-up', {
      titleKey: 'qa.holder.title',
      titleParams: { title: state.credentialTitle },
      survey: state,
      shareUrl: `/credentials/${uuidOf(state)}`,
      codeAction: pageUrl(uuidOf(state)),
      codeError: undefined,
      typedCode: '',
      form: undefined,
      thanks: false,
      // code: ask for the holder code · form · answered · declined · not-due
      mode: 'code',
      ...view,
    });
  };

  const surveyForm = (state: HolderState, code: string, form: { values: Record<string, string>; errors: Record<string, string> }) => ({
    action: pageUrl(uuidOf(state)),
    hidden: { code },
    kind: 'follow-up',
    questions: QUESTIONS['follow-up'],
    commentLabel: COMMENT_LABEL['follow-up'],
    commentMax: COMMENT_MAX,
    privacyFloor: PRIVACY_FLOOR,
    values: form.values,
    errors: form.errors,
  });

  /** Without the right code: the page asks for it (403 when a wrong one was given). */
  const askForCode = (res: Response, state: HolderState, typed: unknown) => {
    const given = typeof typed === 'string' && typed.trim() !== '';
    render(
      res,
      state,
      { mode: 'code', typedCode: given ? String(typed).slice(0, 40) : '', codeError: given ? true : undefined /* the view says: qa.holder.codeWrong */ },
      given ? 403 : 200,
    );
  };

  r.get(path, async (req, res) => {
    const state = await followUp(req);
    const code = req.query.code;
    if (!holderCodeMatches(deps.encryptionKey, req.params.uuid, code)) return askForCode(res, state, code);
    if (state.status !== 'open') return render(res, state, { mode: state.status, thanks: req.query.thanks === '1' });
    render(res, state, { mode: 'form', form: surveyForm(state, normaliseHolderCode(code as string), { values: {}, errors: {} }) });
  });

  r.post(path, formBody('64kb'), async (req, res) => {
    const state = await followUp(req);
    const code = req.body?.code;
    if (!holderCodeMatches(deps.encryptionKey, req.params.uuid, code)) return askForCode(res, state, code);
    assertOpen(state);
    const parsed = parseSurveyForm('follow-up', req.body ?? {});
    if (!parsed.ok)
      return render(
        res,
        state,
        {
          titleKey: 'qa.survey.checkAnswers',
          titleParams: { heading: state.credentialTitle },
          mode: 'form',
          form: surveyForm(state, normaliseHolderCode(code), parsed),
        },
        422,
      );
    await surveys.answer(state.courseId, state.learnerId, state.awardId, 'follow-up', parsed.answers);
    res.redirect(303, `${pageUrl(req.params.uuid)}?code=${encodeURIComponent(normaliseHolderCode(code))}&thanks=1`);
  });

  return r;
}
