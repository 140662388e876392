// The one authorization check for pages inside a launch. What a person may do follows
// from their role in *this* launch's course; the course comes from the launch, never
// from the request, so another course's data is unreachable by construction.
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from './errors';
import type { LaunchContext } from './launchPages';

export type Capability =
  /** See the course's published credentials. */
  | 'course:read'
  /** Change outcomes and credentials, see drafts. */
  | 'course:design';

export function can(launch: Pick<LaunchContext, 'appRole' | 'courseId'>, capability: Capability): boolean {
  if (launch.courseId === null) return false;
  switch (capability) {
    case 'course:read':
      return launch.appRole === 'instructor' || launch.appRole === 'learner';
    case 'course:design':
      return launch.appRole === 'instructor';
  }
}

export function requireCapability(capability: Capability) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.launch && can(req.launch, capability)) return next();
    next(
      new ForbiddenError(
        capability === 'course:design' ? 'Only the course’s teachers can change its outcomes and credentials.' : 'This page belongs to a course you are not part of.',
        'ROLE_NOT_ALLOWED',
        'If you teach this course, open microcred from the course with your teacher role.',
      ),
    );
  };
}
