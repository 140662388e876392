// Learners' choice about mail: the one-click unsubscribe address from the mail itself (no
// session: the signed token names the learner; RFC 8058 mail clients post it directly) and
// the setting on "My badges" inside the launch (/app/:launchId/mail).
import { type Request, Router } from 'express';
import { BadRequestError, NotFoundError } from '../errors';
import { requireCapability } from '../web/authz';
import { formBody } from '../web/input';
import { launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import type { LearnerNotifications } from './notifications';
import { learnerOfToken } from './unsubscribe';

export interface MailPagesDeps {
  mail: LearnerNotifications;
  encryptionKey: Buffer;
}

/** Public: /mail/unsubscribe/<token>. GET asks (link scanners must not unsubscribe anyone); POST does it. */
export function mailPages({ mail, encryptionKey }: MailPagesDeps): Router {
  const r = Router();
  const learnerOf = (req: Request): number => {
    const learnerId = learnerOfToken(encryptionKey, req.params.token);
    if (learnerId === undefined)
      throw new NotFoundError(
        'This unsubscribe link is not valid.',
        'UNSUBSCRIBE_LINK_INVALID',
        'Copy the link from the mail in full, or change the setting under "My badges" in your course.',
      );
    return learnerId;
  };
  r.get('/mail/unsubscribe/:token', (req, res) => {
    learnerOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.render('mail/unsubscribe', { titleKey: 'mail.unsubscribePage.title', action: req.originalUrl.split('?')[0], done: false });
  });
  r.post('/mail/unsubscribe/:token', formBody('4kb'), async (req, res) => {
    await mail.setOptedOut(learnerOf(req), true);
    res.setHeader('Cache-Control', 'no-store');
    res.render('mail/unsubscribe', { titleKey: 'mail.unsubscribePage.title', action: req.originalUrl.split('?')[0], done: true });
  });
  return r;
}

/** Inside the launch: the learner turns the mail about their badges off or on again. */
export function mailSettingPages({ mail }: { mail: LearnerNotifications }): Router {
  const r = launchPageRouter({ access: requireCapability('course:learn'), formLimit: '4kb' });
  r.post('/', async (req, res) => {
    const optedOut = req.body.mail === 'off';
    if (!optedOut && req.body.mail !== 'on') throw new BadRequestError('Choose "on" or "off" for the mail about your badges.');
    await mail.setOptedOut(launchOf(req).userId, optedOut);
    res.redirect(303, `${launchBase(req)}/badges?notice=${optedOut ? 'mailOff' : 'mailOn'}#mail`);
  });
  return r;
}
