// The whole product in Chromium against a Moodle 4.5 profile LMS (see journey.ts).
import { defineJourney } from './journey';

defineJourney('moodle-4.5');
