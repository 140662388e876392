// The QA dashboard inside a launch: per credential, for the course's teachers only.
import { Router } from 'express';
import type { Db } from '../db/database';
import { requireCapability } from '../web/authz';
import type { QaStore } from './store';

export function qualityRouter(_db: Db, _qa: QaStore): Router {
  const r = Router({ mergeParams: true });
  r.use(requireCapability('course:design'));
  return r;
}
