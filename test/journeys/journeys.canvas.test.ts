// The whole product in Chromium against a Canvas profile LMS (see journey.ts).
import { defineJourney } from './journey';

defineJourney('canvas');
