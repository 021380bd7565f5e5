// inbox.mjs - drive the caseworker inbox (silta-casestore) in headless Chromium.
//
// Run by tests/integration/test_inbox.c; by hand:
//   INBOX_URL=http://127.0.0.1:PORT/login USER1=.. PASS1=.. USER2=.. PASS2=.. \
//   REFERRAL_ID=sr-r4-0001 SCREENSHOT_DIR=build/test-artifacts node tests/browser/inbox.mjs
//
// Steps: USER1 logs in, finds REFERRAL_ID in Saapuneet (screenshot), opens the
// client page (hetu masked), a forged POST without / with a wrong CSRF token is
// refused 403 and changes nothing, clicks Kuittaa (screenshot); USER2 (other
// team) gets 403 on the same client page. Prints one JSON line
// {"ok":true,"client_key":"ck_..."} and exits 0, or {"ok":false,"error":..} and 1.
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

function check(cond, what) {
    if (!cond) throw new Error(what);
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

        // 2. The client page: hetu masked, the Kuittaa button for the referral.
        await Promise.all([a.page.waitForURL(`${base}/client/${clientKey}`),
            row.getByRole('link').click()]);
        const hetu = (await a.page.locator('#hetu').textContent()).trim();
        check(/^\d{6}[-+A-FU-Y]\*{4}$/.test(hetu), `hetu not masked: ${hetu.length} chars`);
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

        // 5. USER2 (another team) may not open the client.
        const b = await login(browser, env('USER2'), env('PASS2'));
        const r = await b.page.goto(`${base}/client/${clientKey}`);
        check(r.status() === 403, `other team got ${r.status()} for the client page`);
        await b.page.goto(`${base}/inbox`);
        check(!(await b.page.content()).includes(clientKey), 'other team sees the client in Saapuneet');

        console.log(JSON.stringify({ ok: true, client_key: clientKey }));
    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }));
    process.exit(1);
});
