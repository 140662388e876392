// The learner's surveys inside the launch: /app/:launchId/surveys/:awardId/:kind… .
// Learners only, and only their own awards in this launch's course: the award is looked up
// with the launch's course and user, so anyone else's survey is a 404.
import type { Request, Response, Router } from 'express';
import { dashboardPath } from '../web/courseDashboard';
import { csrfToken } from '../web/csrf';
import { NotFoundError } from '../errors';
import type { Translate } from '../i18n';
import { idParam } from '../web/params';
import { pageTranslator } from '../web/views';
import { PRIVACY_FLOOR } from './metrics';
import { COMMENT_LABEL, COMMENT_MAX, isSurveyKind, parseSurveyForm, QUESTIONS, type SurveyKind } from './surveyForm';
import { assertOpen, type SurveyState, type SurveyStore } from './surveys';
import { launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

/** The notices "My credentials" shows after a survey (?survey=…): fixed texts, never echoed input. */
export const SURVEY_NOTICES: Record<string, string> = {
  thanks: 'Thank you for your answers. They are stored without your name and only shown in totals of five or more.',
  declined: 'No problem: we will not ask about that again.',
};

/** surveyPrompt (./surveyForm) in the page's language: "Six months on: have you used what you learned in …?". */
export function localSurveyPrompt(t: Translate, kind: SurveyKind, credentialTitle: string, followUpMonths: number): string {
  if (kind === 'award') return t('qa.survey.promptAward', { title: credentialTitle });
  const n = t('qa.survey.numberWords').split('|')[followUpMonths] ?? String(followUpMonths);
  return t('qa.survey.promptFollowUp', { title: credentialTitle, monthsOn: t('qa.survey.monthsOn', { count: followUpMonths, n }) });
}

export function surveyPages({ surveys }: { surveys: SurveyStore }): Router {
  const r = launchPageRouter({ access: 'course:learn', formLimit: '64kb' });

  /** Where the learner answered from, and sees the thanks: "My credentials". */
  const home = (req: Request) => dashboardPath(launchOf(req));
  const kindOf = (req: Request): SurveyKind => {
    if (!isSurveyKind(req.params.kind))
      throw new NotFoundError('There is no such survey.', 'SURVEY_NOT_FOUND', 'Open the survey from “My credentials” in this course.');
    return req.params.kind;
  };
  /** The survey named in the address, if it is this learner's and can be answered now. */
  const openSurvey = async (req: Request): Promise<SurveyState> => {
    const launch = launchOf(req);
    const state = await surveys.survey(launch.courseId!, launch.userId, idParam(req, 'awardId', 'There is no such survey.'), kindOf(req));
    assertOpen(state);
    return state;
  };

  const render = (req: Request, res: Response, state: SurveyState, form: { values: Record<string, string>; errors: Record<string, string> }, status = 200) => {
    const action = `${launchBase(req)}/surveys/${state.awardId}/${state.kind}`;
    const t = pageTranslator(res.locals);
    const heading = localSurveyPrompt(t, state.kind, state.credentialTitle, state.followUpMonths);
    res.status(status).render('qa/survey', {
      // A page with errors says so in its title, which screen readers announce first.
      title: status === 422 ? t('qa.survey.checkAnswers', { heading }) : heading,
      launch: req.launch,
      base: launchBase(req),
      heading,
      survey: state,
      form: {
        action,
        hidden: { _csrf: csrfToken(req) },
        kind: state.kind,
        declineAction: `${action}/decline`,
        questions: QUESTIONS[state.kind],
        commentLabel: COMMENT_LABEL[state.kind],
        commentMax: COMMENT_MAX,
        privacyFloor: PRIVACY_FLOOR,
        values: form.values,
        errors: form.errors,
      },
    });
  };

  r.get('/:awardId/:kind', async (req, res) => {
    render(req, res, await openSurvey(req), { values: {}, errors: {} });
  });

  /** Bad input comes back with what was typed (422); a good answer goes to "My credentials". */
  r.post('/:awardId/:kind', async (req, res) => {
    const state = await openSurvey(req);
    const parsed = parseSurveyForm(state.kind, req.body ?? {});
    if (!parsed.ok) return render(req, res, state, parsed, 422);
    await surveys.answer(state.courseId, launchOf(req).userId, state.awardId, state.kind, parsed.answers);
    res.redirect(303, `${home(req)}?survey=thanks`);
  });

  r.post('/:awardId/:kind/decline', async (req, res) => {
    const launch = launchOf(req);
    await surveys.decline(launch.courseId!, launch.userId, idParam(req, 'awardId', 'There is no such survey.'), kindOf(req));
    res.redirect(303, `${home(req)}?survey=declined`);
  });

  return r;
}
