// The one authorization check for pages inside a launch. What a person may do follows
// from their role in *this* launch's course; the course comes from the launch, never
// from the request, so another course's data is unreachable by construction.
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors';
import type { LaunchContext } from './launchContext';

export type Capability =
  /** See the course's published credentials. */
  | 'course:read'
  /** Change outcomes and credentials, see drafts. */
  | 'course:design'
  /** See the assessment queue, score submissions, open learners' evidence. */
  | 'course:assess'
  /** Hand in evidence and earn credentials: learners only, so staff never appear in the queue as learners. */
  | 'course:learn';

export function can(launch: Pick<LaunchContext, 'appRole' | 'courseId'>, capability: Capability): boolean {
  if (launch.courseId === null) return false;
  switch (capability) {
    case 'course:read':
      return launch.appRole === 'instructor' || launch.appRole === 'learner';
    case 'course:design':
    case 'course:assess':
      return launch.appRole === 'instructor';
    case 'course:learn':
      return launch.appRole === 'learner';
  }
}

const REFUSALS: Record<Capability, { message: string; hint: string }> = {
  'course:read': { message: 'This page belongs to a course you are not part of.', hint: 'Open microcred from the course in your LMS.' },
  'course:design': {
    message: 'Only the course’s teachers can change its outcomes and credentials.',
    hint: 'If you teach this course, open microcred from the course with your teacher role.',
  },
  'course:assess': {
    message: 'Only the course’s teachers and assessors can see and score submissions.',
    hint: 'If you assess this course, open microcred from the course with your teacher or assistant role.',
  },
  'course:learn': { message: 'Only learners hand in evidence for a credential.', hint: 'To try the learner’s side, use your LMS’s student view.' },
};

export function requireCapability(capability: Capability) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.launch && can(req.launch, capability)) return next();
    const { message, hint } = REFUSALS[capability];
    next(new ForbiddenError(message, 'ROLE_NOT_ALLOWED', hint));
  };
}
