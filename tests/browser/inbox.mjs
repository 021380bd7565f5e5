// inbox.mjs - drive the caseworker inbox (silta-casestore) in headless Chromium.
//
// Run by tests/integration/test_inbox.c; by hand:
//   INBOX_URL=http://127.0.0.1:PORT/login USER1=.. PASS1=.. USER2=.. PASS2=.. \
//   USER3=.. REFERRAL_ID=sr-r4-0001 SCREENSHOT_DIR=build/test-artifacts node tests/browser/inbox.mjs
//
// Steps: USER1 logs in, finds REFERRAL_ID in Saapuneet (screenshot), opens the
// client page (hetu masked), a forged POST without / with a wrong CSRF token is
// refused 403 and changes nothing, clicks Kuittaa (screenshot); marks the
// client's Kela notice handled (it and its alert leave Saapuneet; a resent form
// is "jo tehty"), makes USER3 responsible, adds a plan item (bad title / date /
// owner / who -> 400, nothing added), completes it (screenshot client-plan.png);
// USER1 writes a statement to Kela (lausunto) on another client's reduction
// notice (bad texts 400, a resent form "jo tehty"); USER1 finds the client by full hetu (POST, never in a URL): found -> the client
// page, an unknown hetu -> "ei löytynyt", a wrong check character -> 400, no
// CSRF -> 403; USER2 (other team) searching the same hetu gets "ei löytynyt",
// 403 on the client page and its actions. Languages: USER1 (Finnish) and
// USER_SV (Swedish, USER1's team) read Saapuneet and the client pages with no
// English sentence and no raw code (snake_case, Organization/..., TE-palvelut),
// the Swedish pages in Swedish (screenshots *-sv.png). USER1 closes a kehotus alert
// and USER_SV a meeting-request alert with an outcome (client-closed*.png): the
// explanation names the alert's due date, the timeline the outcome. At 375 px (a phone) Saapuneet and
// the client pages do not scroll sideways (screenshots *-375.png). Prints one
// JSON line {"ok":true,"client_key":"ck_...","plan_item":"manual:..."} and exits
// 0, or {"ok":false,"error":..} and 1.
// Uses Debian's /usr/bin/chromium (CHROMIUM to override); never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (k, d) => {
    const v = process.env[k] ?? d;
    if (v === undefined) throw new Error(`${k} is not set`);
    return v;
};
const loginUrl = env('INBOX_URL');
const base = new URL(loginUrl).origin;
const shots = env('SCREENSHOT_DIR', 'build/test-artifacts');
const referral = env('REFERRAL_ID');
const timeout = Number(env('STEP_TIMEOUT_MS', '15000'));

const urls = []; // every URL the browser asked for: no hetu may be in one

function check(cond, what) {
    if (!cond) throw new Error(what);
}

// What a caseworker must never read: English (the rules' and the store's own
// texts) and codes. A code is snake_case (basic_amount_reduction,
// not_entitled_income_gap), a FHIR reference or a benefit's code.
const english = [' the ', ' of ', ' has not ', ' by ', 'Statement', 'statement', 'referral', 'Referral',
    'deadline', 'working days', 'Handle', 'Acknowledge', 'Kela notice', 'notice', 'urgent', 'warning'];
const rawCodes = ['Organization/', 'team:', 'sairauspaivaraha', 'tyomarkkinatuki', 'TE-palvelut'];
async function readable(page, where, lang) {
    const text = await page.locator('body').innerText();
    for (const w of english)
        check(!text.includes(w), `English "${w.trim()}" on ${where} (${lang})`);
    for (const c of rawCodes)
        check(!text.includes(c), `raw code "${c}" on ${where} (${lang})`);
    const snake = text.match(/\b[a-z0-9]+_[a-z0-9_]+\b/);
    check(!snake, `raw code "${snake && snake[0]}" on ${where} (${lang})`);
    check((await page.locator('html').getAttribute('lang')) === lang, `${where} is not lang=${lang}`);
    if (lang === 'sv') {
        check(/Inkorgen/.test(text), `${where} (sv) has no Swedish header`);
        check(!/Saapuneet|Kirjaudu ulos|Määräaika/.test(text), `Finnish on ${where} (sv)`);
    }
    return text;
}

async function login(browser, user, pass) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fi-FI' });
    ctx.setDefaultTimeout(timeout);
    const page = await ctx.newPage();
    const r = await page.goto(loginUrl);
    check(r.status() === 200, `login page answered ${r.status()}`);
    await page.getByLabel('Käyttäjätunnus').fill(user);
    await page.getByLabel('Salasana').fill(pass);
    await Promise.all([page.waitForURL(`${base}/inbox`), page.getByRole('button', { name: 'Kirjaudu' }).click()]);
    ctx.on('request', (req) => urls.push(req.url()));
    return { ctx, page };
}

async function main() {
    mkdirSync(shots, { recursive: true });
    const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'];
    if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args,
    });
    try {
        // 1. USER1 sees the referral in Saapuneet.
        const a = await login(browser, env('USER1'), env('PASS1'));
        const row = a.page.locator('tr.item-referral', { hasText: referral });
        await row.waitFor();
        await a.page.screenshot({ path: join(shots, 'inbox.png'), fullPage: true });
        const clientKey = await row.getAttribute('data-client');
        check(/^ck_[0-9a-f]{32}$/.test(clientKey || ''), `no client_key on the row: ${clientKey}`);
        // Whose matter: the masked hetu on the row; no client_key a person reads.
        const masked = env('HETU_MASKED');
        check((await row.locator('a.who').textContent()).trim() === masked,
            `the row does not show the masked hetu ${masked}`);
        const noKey = async (where) => check(!/ck_[0-9a-f]/.test(await a.page.locator('body').innerText()),
            `a client_key is shown on ${where}`);
        await noKey('Saapuneet');
        // The referral is one row: the alerts it caused (late, not acknowledged) under it.
        check(await a.page.locator(`tr.item-alert[data-client="${clientKey}"]`).count() === 0,
            'an alert of the referral is a row of its own');
        check(await row.locator('li.task-alert').count() >= 1, 'no alert under the late referral');

        // 2. The client page: hetu masked, the Kuittaa button for the referral.
        await Promise.all([a.page.waitForURL(`${base}/client/${clientKey}`),
            row.getByRole('link').click()]);
        const hetu = (await a.page.locator('#hetu').textContent()).trim();
        check(/^\d{6}[-+A-FU-Y]\*{4}$/.test(hetu), `hetu not masked: ${hetu.length} chars`);
        check(hetu === masked, 'the client page shows another masked hetu than the row');
        await noKey('the client page');
        await readable(a.page, 'the client page', 'fi');
        await a.page.goto(`${base}/inbox`);
        await readable(a.page, 'Saapuneet', 'fi');
        await a.page.goto(`${base}/client/${clientKey}`);

        // 2b. The Swedish-speaking caseworker (USER1's team) reads the same pages in Swedish.
        const sv = await login(browser, env('USER_SV'), env('PASS_SV'));
        let svText = await readable(sv.page, 'Saapuneet', 'sv');
        check(svText.includes('FPA:s anmälan') && svText.includes('Remiss'),
            'Saapuneet (sv) does not name the notice and the referral in Swedish');
        await sv.page.screenshot({ path: join(shots, 'inbox-sv.png'), fullPage: true });
        await sv.page.goto(`${base}/client/${clientKey}`);
        svText = await readable(sv.page, 'the client page', 'sv');
        check(svText.includes('Kvittera') && svText.includes('Öppna larm'),
            'the client page (sv) has no Swedish actions');
        await sv.page.screenshot({ path: join(shots, 'client-sv.png'), fullPage: true });
        const ackRow = a.page.locator('#referrals tr', { hasText: referral });
        await ackRow.getByRole('button', { name: 'Kuittaa' }).waitFor();

        // 3. Forged POSTs with the valid session: no CSRF token, a wrong one -> 403.
        const ackUrl = `${base}/client/${clientKey}/ack`;
        for (const form of [{ referral_id: referral }, { referral_id: referral, csrf: 'f'.repeat(64) }]) {
            const r = await a.page.request.post(ackUrl, { form, maxRedirects: 0 });
            check(r.status() === 403, `forged POST answered ${r.status()}`);
            check((await r.text()).includes('Lomakkeen tarkiste'), 'forged POST refused for another reason');
        }
        await a.page.reload();
        await ackRow.getByRole('button', { name: 'Kuittaa' }).waitFor(); // nothing changed

        // 4. Kuittaa.
        await Promise.all([a.page.waitForURL(/\?ok=kuitattu$/),
            ackRow.getByRole('button', { name: 'Kuittaa' }).click()]);
        await a.page.getByText('Ohjaus kuitattu').waitFor();
        check(await ackRow.getByRole('button', { name: 'Kuittaa' }).count() === 0, 'still unacknowledged');
        await a.page.screenshot({ path: join(shots, 'client.png'), fullPage: true });
        // 4b. Acknowledging is not the assessment (SHL 36 §): its alert stays in
        //     Saapuneet until the caseworker starts the service-need assessment.
        await a.page.goto(`${base}/inbox`);
        const assessAlert = () => a.page.locator(`tr.item-alert[data-client="${clientKey}"]`,
            { hasText: 'Palvelutarpeen arviointi myöhässä' });
        check(await assessAlert().count() === 1, 'no assessment alert after the acknowledgement');
        await a.page.goto(`${base}/client/${clientKey}`);
        await Promise.all([a.page.waitForURL(/\?ok=arviointi$/),
            ackRow.getByRole('button', { name: 'Aloita palvelutarpeen arviointi' }).click()]);
        await a.page.getByText('Palvelutarpeen arviointi aloitettu').waitFor();
        check(await ackRow.getByRole('button', { name: 'Aloita palvelutarpeen arviointi' }).count() === 0,
            'the assessment can be started twice');
        await a.page.goto(`${base}/inbox`);
        check(await assessAlert().count() === 0, 'the assessment alert is still in Saapuneet');
        await a.page.goto(`${base}/client/${clientKey}`);

        // 5. The Kela notice: in Saapuneet, then handled on the client page; a resent
        //    form changes nothing.
        const csrf = await a.page.locator('#plan-add input[name=csrf]').getAttribute('value');
        const post = (verb, form) => a.page.request.post(`${base}/client/${clientKey}/${verb}`,
            { form: { csrf, ...form }, maxRedirects: 0 });
        await a.page.goto(`${base}/inbox`);
        const mine = (kind) => a.page.locator(`tr.item-${kind}[data-client="${clientKey}"]`);
        // The notice's alert (rule 2); the referral's service-need alert (rule 10) was
        // closed above by starting the assessment (step 4b).
        const noticeAlert = () => mine('alert').filter({ hasText: 'Kelan ilmoitus käsittelemättä' });
        check(await mine('notice').count() === 1, 'the Kela notice is not in Saapuneet');
        // One notice, one row: its alert is under it, not a row of its own.
        check(await noticeAlert().count() === 0, 'the late notice\'s alert is a row of its own');
        check(await mine('notice').locator('li.task-alert').count() >= 1,
            'no alert under the late notice in Saapuneet');
        // A late reduction notice (another client): one row with both alerts
        // (not handled; no social work) and the statement task under it.
        const red = a.page.locator('tr.item-notice', { hasText: 'K-8' });
        check(await red.count() === 1, 'the reduction notice is not one row');
        const redKey = await red.getAttribute('data-client');
        check(await a.page.locator(`#inbox tbody tr[data-client="${redKey}"]`).count() === 1,
            'the reduction notice\'s client has more than one row');
        check(await red.locator('li.task-alert').count() === 2, 'not both alerts under the reduction notice');
        check(await red.locator('li.task-plan').count() === 1, 'no statement task under the reduction notice');

        // 5b. The statement to Kela (lausunto) on the reduction: bad texts are 400;
        //     the form sends it (social.statement.v1 -> Kela's outbox, checked by
        //     test_inbox.c); a resent form is "jo tehty"; the task leaves the row.
        await a.page.goto(`${base}/client/${redKey}`);
        await readable(a.page, 'the reduction\'s client page', 'fi');
        check((await a.page.locator('body').innerText()).includes('Perusosan alentaminen'),
            'the reduction notice is not named in Finnish');
        await sv.page.goto(`${base}/client/${redKey}`);
        svText = await readable(sv.page, 'the reduction\'s client page', 'sv');
        check(svText.includes('Sänkning av grunddelen'), 'the reduction notice is not named in Swedish');
        await sv.page.screenshot({ path: join(shots, 'client-statement-sv.png'), fullPage: true });
        const stForm = a.page.locator('form.statement', { hasText: 'K-8' });
        const stNotice = await stForm.locator('input[name=notice]').getAttribute('value');
        const stCsrf = await stForm.locator('input[name=csrf]').getAttribute('value');
        const stPost = (form) => a.page.request.post(`${base}/client/${redKey}/statement`,
            { form: { csrf: stCsrf, notice: stNotice, ...form }, maxRedirects: 0 });
        let sr;
        for (const bad of ['', '  \n ', 'x'.repeat(4001), 'a\u0007b']) {
            sr = await stPost({ text: bad });
            check(sr.status() === 400, `a bad statement (${bad.length} chars) answered ${sr.status()}`);
        }
        sr = await stPost({ text: 'x', notice: '00000000-0000-4000-8000-000000000000' });
        check(sr.status() === 404, `a statement on no notice answered ${sr.status()}`);
        const stText = env('STATEMENT_TEXT');
        await stForm.locator('textarea').fill(stText);
        await Promise.all([a.page.waitForURL(/\?ok=lausunto$/),
            stForm.getByRole('button', { name: 'Lähetä lausunto Kelalle' }).click()]);
        await a.page.getByText('Lausunto lähetetty Kelalle').waitFor();
        check((await a.page.locator('#notices tr', { hasText: 'K-8' }).locator('.statement-state')
            .textContent()).includes('annettu'), 'the notice does not show the statement');
        sr = await stPost({ text: stText });
        check(sr.status() === 303 && /ok=jo_tehty$/.test(sr.headers().location || ''),
            `a resent statement answered ${sr.status()} ${sr.headers().location}`);
        await a.page.screenshot({ path: join(shots, 'client-statement.png'), fullPage: true });
        await a.page.goto(`${base}/inbox`);
        check(await red.locator('li.task-plan').count() === 0, 'the statement task is still in Saapuneet');
        await a.page.goto(`${base}/client/${clientKey}`);
        const noticeRow = a.page.locator('#notices tbody tr').first();
        const noticeId = await noticeRow.locator('form[action$="/handled"] input[name=notice]').getAttribute('value');
        await Promise.all([a.page.waitForURL(/\?ok=kasitelty$/),
            noticeRow.getByRole('button', { name: 'Merkitse käsitellyksi' }).click()]);
        await a.page.getByText('Kelan ilmoitus merkitty käsitellyksi').waitFor();
        let r = await post('handled', { notice: noticeId });
        check(r.status() === 303 && /ok=jo_tehty$/.test(r.headers().location || ''),
            `a repeated handled answered ${r.status()} ${r.headers().location}`);
        await a.page.goto(`${base}/inbox`);
        check(await mine('notice').count() === 0, 'the handled notice is still in Saapuneet');
        check(await noticeAlert().count() === 0, 'the notice\'s alert is still in Saapuneet');
        check(await mine('alert').count() === 0, 'an alert is still in Saapuneet');

        // 6. Assign the responsible worker (USER3, USER1's team).
        await a.page.goto(`${base}/client/${clientKey}`);
        await a.page.locator('#assign-worker').selectOption(env('USER3'));
        await Promise.all([a.page.waitForURL(/\?ok=vastuu$/),
            a.page.getByRole('button', { name: 'Vaihda' }).click()]);
        check((await a.page.locator('#worker').textContent()).includes(env('USER3')),
            'the responsible worker did not change');

        // 7. Add a plan item: bad input is 400 and adds nothing; then the form.
        const planRows = async () => a.page.locator('#plan tbody tr').count();
        const before = await planRows();
        const d = new Date();
        const day = (n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n)
            .toLocaleDateString('sv-SE');
        const good = { title: 'Asuntoasia: soita vuokranantajalle', due: day(7), owner: 'social', who: 'team' };
        for (const bad of [{ title: '' }, { title: '   ' }, { title: 'x'.repeat(121) }, { title: 'x'.repeat(600) },
            { title: 'a\u0007b' }, { due: '2026-02-30' }, { due: 'huomenna' },
            { owner: 'poliisi' }, { who: 'joku' }]) {
            r = await post('plan', { ...good, ...bad });
            check(r.status() === 400, `bad plan item ${JSON.stringify(bad)} answered ${r.status()}`);
        }
        await a.page.reload();
        check(await planRows() === before, 'a refused plan item changed the plan');
        await a.page.locator('#plan-title').fill(good.title);
        await a.page.locator('#plan-due').fill(good.due);
        await a.page.locator('#plan-owner').selectOption('social');
        await a.page.locator('#plan-who').selectOption('team');
        await Promise.all([a.page.waitForURL(/\?ok=kohta_lisatty$/),
            a.page.getByRole('button', { name: 'Lisää kohta' }).click()]);
        const item = a.page.locator('#plan tbody tr', { hasText: good.title });
        await item.getByRole('button', { name: 'Merkitse valmiiksi' }).waitFor();
        check((await item.textContent()).includes('avoin'), 'the new item is not open');

        // 8. Complete it; a resent form changes nothing.
        const itemId = await item.locator('input[name=item]').getAttribute('value');
        await Promise.all([a.page.waitForURL(/\?ok=kohta_valmis$/),
            item.getByRole('button', { name: 'Merkitse valmiiksi' }).click()]);
        check((await item.textContent()).includes('tehty'), 'the item is not done');
        check(await item.getByRole('button').count() === 0, 'the done item still has a button');
        r = await post('plan_done', { item: itemId });
        check(r.status() === 303 && /ok=jo_tehty$/.test(r.headers().location || ''),
            `a repeated plan_done answered ${r.status()}`);
        await a.page.screenshot({ path: join(shots, 'client-plan.png'), fullPage: true });

        // 9. Find a client by full hetu: the search form POSTs it (CSRF), the answer
        //    is the client page or "ei löytynyt"; it never appears in a URL.
        const hetuFull = env('HETU'), unknown = env('HETU_UNKNOWN');
        const find = async (page, hetuValue) => {
            await page.goto(`${base}/inbox`);
            await page.getByLabel('Hae asiakas henkilötunnuksella').fill(hetuValue);
            await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Hae', exact: true }).click()]);
            return page.url();
        };
        check(await find(a.page, hetuFull) === `${base}/client/${clientKey}`, 'the search did not open the client page');
        check((await a.page.locator('#hetu').textContent()).trim() === masked, 'the search opened another client');
        check(await find(a.page, ` ${hetuFull.toLowerCase()} `) === `${base}/client/${clientKey}`,
            'a lowercase hetu with spaces was not found');
        check(await find(a.page, unknown) === `${base}/inbox?ok=ei_loytynyt`, 'an unknown hetu was not "ei löytynyt"');
        await a.page.getByText('Asiakasta ei löytynyt').waitFor();
        const csrfInbox = await a.page.locator('#find input[name=csrf]').getAttribute('value');
        const badCheck = hetuFull.slice(0, 10) + (hetuFull[10] === 'A' ? 'B' : 'A');
        r = await a.page.request.post(`${base}/find`, { form: { csrf: csrfInbox, hetu: badCheck }, maxRedirects: 0 });
        check(r.status() === 400, `a wrong check character answered ${r.status()}`);
        r = await a.page.request.post(`${base}/find`, { form: { hetu: hetuFull }, maxRedirects: 0 });
        check(r.status() === 403, `a search without CSRF answered ${r.status()}`);

        // 10. A phone, 375 px wide: Saapuneet and the client pages fit the screen
        //     (no sideways scrolling of the page), screenshots *-375.png.
        await a.page.setViewportSize({ width: 375, height: 812 });
        const narrow = async (url, name) => {
            await a.page.goto(url);
            await a.page.screenshot({ path: join(shots, `${name}-375.png`), fullPage: true });
            const w = await a.page.evaluate(() => document.documentElement.scrollWidth);
            check(w <= 375, `${name} is ${w} px wide at 375 px`);
        };
        await narrow(`${base}/inbox`, 'inbox');
        check(await a.page.locator('tr.item-notice', { hasText: 'K-8' }).locator('a.who').isVisible(),
            'the masked hetu is not visible at 375 px');
        await narrow(`${base}/client/${clientKey}`, 'client');
        await narrow(`${base}/client/${redKey}`, 'client-statement');
        await a.page.setViewportSize({ width: 1280, height: 800 });

        // 11. USER2 (another team) may not find, open the client nor act on it.
        const b = await login(browser, env('USER2'), env('PASS2'));
        check(await find(b.page, hetuFull) === `${base}/inbox?ok=ei_loytynyt`,
            'another team found the client by hetu');
        r = await b.page.goto(`${base}/client/${clientKey}`);
        check(r.status() === 403, `other team got ${r.status()} for the client page`);
        await b.page.goto(`${base}/inbox`);
        check(!(await b.page.content()).includes(clientKey), 'other team sees the client in Saapuneet');
        const csrf2 = await b.page.locator('form[action="/logout"] input[name=csrf]').getAttribute('value');
        r = await b.page.request.post(`${base}/client/${clientKey}/plan`,
            { form: { csrf: csrf2, ...good, title: 'vieras' }, maxRedirects: 0 });
        check(r.status() === 403, `other team's plan item answered ${r.status()}`);
        r = await b.page.request.post(`${base}/client/${clientKey}/plan_done`,
            { form: { csrf: csrf2, item: itemId }, maxRedirects: 0 });
        check(r.status() === 403, `other team's plan_done answered ${r.status()}`);

        // 12. Close an alert with what was done: USER1 the kehotus (rule 11), USER_SV
        //     the meeting request (rule 2, with the meeting's day). The explanation
        //     names the alert's own due date; the alert leaves the open alerts and
        //     the timeline says how it was closed, each in the user's language.
        const closeAlert = async (page, ck, lang, rule, outcome, day, button, flash, line) => {
            await page.goto(`${base}/client/${ck}`);
            await readable(page, `the client page of ${rule}`, lang);
            const arow = page.locator('#alerts tbody tr', { hasText: rule });
            const cells = arow.locator('td');
            const due = ((await cells.nth(0).innerText()).match(/\d{1,2}\.\d{1,2}\.\d{4}/) || [])[0];
            check(due, `no due date on the ${rule} alert`);
            check((await cells.nth(2).innerText()).includes(due),
                `the ${rule} explanation does not name its due date ${due} (${lang})`);
            await arow.locator('select[name=outcome]').selectOption({ label: outcome });
            if (day)
                await arow.locator('input[name=date]').fill(day);
            await arow.locator('input[name=note]').fill('Puhelu 10 min');
            await Promise.all([page.waitForURL(/ok=suljettu/),
                arow.getByRole('button', { name: button }).click()]);
            await page.getByText(flash).waitFor();
            check(await page.locator('#alerts tbody tr', { hasText: rule }).count() === 0,
                `the ${rule} alert is still open (${lang})`);
            const tl = await page.locator('#timeline').innerText();
            check(tl.includes(line) && tl.includes(outcome), `the timeline does not show the outcome (${lang})`);
            await readable(page, `the client page of ${rule} after closing`, lang);
        };
        await closeAlert(a.page, env('CK_KEHOTUS'), 'fi', 'Perusosan alentaminen uhkaa',
            'Asiakasta autettu toimimaan kehotuksen mukaan', '', 'Sulje hälytys',
            'Hälytys suljettu, tulos kirjattu.', 'Hälytys suljettu');
        await a.page.screenshot({ path: join(shots, 'client-closed.png'), fullPage: true });
        await closeAlert(sv.page, env('CK_MEETING'), 'sv', 'FPA:s anmälan obehandlad',
            'Möte bokat', env('MEETING_DAY'), 'Stäng larmet',
            'Larmet är stängt, resultatet registrerat.', 'Larmet stängt');
        await sv.page.screenshot({ path: join(shots, 'client-closed-sv.png'), fullPage: true });

        const withHetu = urls.filter((u) => [hetuFull, unknown, badCheck].some((h) =>
            decodeURIComponent(u).toUpperCase().includes(h.toUpperCase())));
        check(withHetu.length === 0, 'a hetu was in a URL');

        console.log(JSON.stringify({ ok: true, client_key: clientKey, plan_item: itemId }));

    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }));
    process.exit(1);
});
