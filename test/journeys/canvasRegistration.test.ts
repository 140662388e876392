// Dynamic registration with a Canvas-profile LMS, in Chromium, as a Canvas admin does it: the
// link pasted into Canvas, microcred's page in Canvas's frame showing what was registered,
// Close sending org.imsglobal.lti.close (which Canvas takes only from the tool's origin),
// Canvas's review of what microcred asks for, Install App, and a teacher's launch in a course.
import { Journey, launchChromium, toolFrame, type Browser, type Frame } from '../support/chromium';
import { CANVAS_ACCOUNT_NAME, PlatformSimulator } from '../support/platformSimulator';
import { startTestTool, type TestTool } from '../support/tool';
import { lmsMessagesSoFar, navigation, registrationFrame, submit, visibleText } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let browser: Browser;
const journey = new Journey('canvas-registration');

beforeAll(async () => {
  // The simulated LMS runs on loopback, an internal address the fetch guard refuses unless
  // allowed: as for an institution whose LMS is on its own network.
  tool = await startTestTool({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  sim = await new PlatformSimulator('canvas').start();
  browser = await launchChromium();
}, 60000);

afterAll(async () => {
  journey.writeSummary();
  await browser?.close();
  await tool?.stop();
  await sim?.stop();
});

it('a Canvas admin registers microcred by dynamic registration and installs it; a teacher then opens it in a course', async () => {
  const page = await (await browser.newContext()).newPage();
  const { url: link } = await tool.registrations.createLink();
  let frame: Frame;
  await journey.step('the admin pastes the link into Canvas, which frames microcred: it shows what was registered', page, async () => {
    await page.goto(`${sim.issuer}/admin/tool/register`);
    await submit(page, '/admin/tool/register', { url: link });
    frame = await registrationFrame(page);
    const text = await visibleText(frame);
    for (const item of [`Canvas (${CANVAS_ACCOUNT_NAME})`, sim.issuer, sim.clientId, sim.deploymentId, 'Send grades', 'Read the course roster', 'Install App'])
      expect(text).toContain(item);
    await journey.checkAccessibility('registration result in Canvas', frame);
    expect(await lmsMessagesSoFar(page, frame)).toEqual([]);
  });
  await journey.step('Close sends org.imsglobal.lti.close; Canvas shows its review of what microcred asks for', page, async () => {
    await navigation(page, () => frame.locator('#close-registration').press('Enter'));
    expect(new URL(page.url()).pathname).toBe('/admin/tool/register/review');
    expect(await page.locator('#privacy-level').innerText()).toBe('public');
    const placements = await page.locator('#placements li').allInnerTexts();
    expect(placements).toEqual([
      'course_navigation (LtiResourceLinkRequest)',
      'assignment_selection (LtiDeepLinkingRequest)',
      'link_selection (LtiDeepLinkingRequest)',
    ]);
  });
  await journey.step('Install App; a teacher opens microcred from the Canvas course', page, async () => {
    await submit(page, '/admin/tool/install');
    expect(await page.locator('#tool-state').innerText()).toContain('Installed');
    const course = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
    await course.goto(`${sim.issuer}/course?user=instructor`);
    const launched = await toolFrame(course);
    await launched.waitForURL(/\/app\/[^/]+/, { timeout: 15000 });
    expect(await visibleText(launched)).toContain('Micro-credentials in this course');
  });
}, 120000);
