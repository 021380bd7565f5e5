// client.mjs - silta-health's FHIR endpoint through an off-the-shelf FHIR
// client (fhir-kit-client), the way a health-care system would use it.
//
//   node client.mjs submit   BASE json|xml HETU TAG   metadata, create, transaction
//   node client.mjs readback BASE json|xml ID IDENTIFIER_VALUE
//                                                     read the ServiceRequest and
//                                                     search its acknowledgement Task
//
// `submit` prints `id=<ServiceRequest id>` lines (the created one first, then
// the transaction's), `readback` prints `ok`. Any failure: a message on
// stderr and exit 1. fhir-kit-client parses every answer as JSON, so in XML
// mode an answer arrives as its parse error, carrying the status and the XML
// text: xmlCall() turns that back into {status, text, headers}.
import assert from 'node:assert/strict';
import { Client, RESPONSE_KEY } from 'fhir-kit-client';

const [, , phase, base, mode, ...rest] = process.argv;
const client = new Client({ baseUrl: base });
const XML = { 'content-type': 'application/fhir+xml', accept: 'application/fhir+xml' };
const IDENT_SYSTEM = 'urn:oid:1.2.246.10.1234567.10.1';

async function xmlCall(promise) {
    try {
        const r = await promise;
        const res = r[RESPONSE_KEY];
        return { status: res.status, text: JSON.stringify(r), headers: res.headers };
    } catch (e) {
        if (!e.response || typeof e.response.data !== 'string')
            throw e;
        return { status: e.response.status, text: e.response.data, headers: e.config.headers };
    }
}

function idFromLocation(loc) {
    const m = /ServiceRequest\/([A-Za-z0-9.-]+)\/_history\/(\d+)$/.exec(loc || '');
    assert.ok(m, `Location ${loc} is not .../ServiceRequest/{id}/_history/{v}`);
    return m[1];
}

function serviceRequestJson(hetu, tag) {
    return {
        resourceType: 'ServiceRequest',
        identifier: [{ system: IDENT_SYSTEM, value: `lahete-${tag}` }],
        status: 'active',
        intent: 'order',
        priority: 'urgent',
        subject: { identifier: { system: 'urn:oid:1.2.246.21', value: hetu } },
        authoredOn: '2025-03-14T23:30:00Z',
        requester: { display: 'Terveysasema, sairaanhoitaja' },
        reasonCode: [{ text: 'asunnottomuuden uhka' }],
    };
}

function serviceRequestXml(hetu, tag) {
    return `<?xml version="1.0" encoding="UTF-8"?>
<ServiceRequest xmlns="http://hl7.org/fhir">
  <identifier><system value="${IDENT_SYSTEM}"/><value value="lahete-${tag}"/></identifier>
  <status value="active"/>
  <intent value="order"/>
  <priority value="urgent"/>
  <subject><identifier><system value="urn:oid:1.2.246.21"/><value value="${hetu}"/></identifier></subject>
  <authoredOn value="2025-03-14T23:30:00+02:00"/>
  <requester><display value="Terveysasema, sairaanhoitaja"/></requester>
  <reasonCode><text value="asunnottomuuden uhka"/></reasonCode>
</ServiceRequest>`;
}

function transactionJson(hetu, tag) {
    const p = 'urn:uuid:9b2f6c1a-0000-4000-8000-00000000000' + (tag.length % 10);
    return {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
            {
                fullUrl: p,
                resource: {
                    resourceType: 'Patient',
                    identifier: [{ system: 'urn:oid:1.2.246.21', value: hetu }],
                },
                request: { method: 'POST', url: 'Patient' },
            },
            {
                fullUrl: 'urn:uuid:9b2f6c1a-0000-4000-8000-0000000000ff',
                resource: {
                    resourceType: 'ServiceRequest',
                    status: 'active',
                    intent: 'order',
                    subject: { reference: p },
                    authoredOn: '2025-03-14',
                    reasonCode: [{ text: `tx ${tag}` }],
                },
                request: { method: 'POST', url: 'ServiceRequest' },
            },
        ],
    };
}

function transactionXml(hetu, tag) {
    return `<Bundle xmlns="http://hl7.org/fhir">
  <type value="transaction"/>
  <entry>
    <fullUrl value="urn:uuid:9b2f6c1a-0000-4000-8000-0000000000e1"/>
    <resource><Patient><identifier><system value="urn:oid:1.2.246.21"/><value value="${hetu}"/></identifier></Patient></resource>
    <request><method value="POST"/><url value="Patient"/></request>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:9b2f6c1a-0000-4000-8000-0000000000e2"/>
    <resource><ServiceRequest>
      <status value="active"/><intent value="order"/>
      <subject><reference value="urn:uuid:9b2f6c1a-0000-4000-8000-0000000000e1"/></subject>
      <authoredOn value="2025-03-14"/>
      <reasonCode><text value="tx ${tag}"/></reasonCode>
    </ServiceRequest></resource>
    <request><method value="POST"/><url value="ServiceRequest"/></request>
  </entry>
</Bundle>`;
}

async function submitJson(hetu, tag) {
    const cap = await client.capabilityStatement();
    assert.equal(cap.resourceType, 'CapabilityStatement');
    assert.equal(cap.fhirVersion, '4.0.1');
    assert.ok(cap.format.includes('json') && cap.format.includes('xml'));
    const sr = cap.rest[0].resource.find((r) => r.type === 'ServiceRequest');
    assert.deepEqual(sr.interaction.map((i) => i.code).sort(), ['create', 'read']);
    assert.deepEqual(cap.rest[0].interaction.map((i) => i.code).sort(), ['batch', 'transaction']);

    const created = await client.create({
        resourceType: 'ServiceRequest',
        body: serviceRequestJson(hetu, tag),
        options: { headers: { prefer: 'return=representation' } },
    });
    const res = created[RESPONSE_KEY];
    assert.equal(res.status, 201);
    const id = idFromLocation(res.headers.get('location'));
    assert.equal(created.resourceType, 'ServiceRequest');
    assert.equal(created.id, id);
    assert.equal(created.meta.versionId, '1');
    assert.equal(res.headers.get('etag'), 'W/"1"');

    const again = await client.create({ resourceType: 'ServiceRequest', body: serviceRequestJson(hetu, tag) });
    assert.equal(again.resourceType, 'OperationOutcome');
    assert.equal(idFromLocation(again[RESPONSE_KEY].headers.get('location')), id, 'same identifier, same id');

    const tx = await client.transaction({ body: transactionJson(hetu, tag) });
    assert.equal(tx.resourceType, 'Bundle');
    assert.equal(tx.type, 'transaction-response');
    assert.equal(tx.entry.length, 2);
    assert.equal(tx.entry[1].response.status, '201 Created');
    const txId = idFromLocation(tx.entry[1].response.location);

    const read = await client.read({ resourceType: 'ServiceRequest', id: txId });
    assert.equal(read.id, txId);
    assert.equal(read.subject.identifier.value, hetu);
    return [id, txId];
}

async function submitXml(hetu, tag) {
    const cap = await xmlCall(client.capabilityStatement({ headers: XML }));
    assert.equal(cap.status, 200);
    assert.match(cap.text, /<CapabilityStatement xmlns="http:\/\/hl7.org\/fhir">/);
    assert.match(cap.text, /<fhirVersion value="4.0.1"\/>/);

    const created = await xmlCall(client.create({
        resourceType: 'ServiceRequest', body: serviceRequestXml(hetu, tag), options: { headers: XML },
    }));
    assert.equal(created.status, 201, created.text);
    assert.match(created.text, /<OperationOutcome xmlns="http:\/\/hl7.org\/fhir">/);
    const id = idFromLocation(created.headers.get('location'));

    const tx = await xmlCall(client.transaction({ body: transactionXml(hetu, tag), options: { headers: XML } }));
    assert.equal(tx.status, 200, tx.text);
    assert.match(tx.text, /<type value="transaction-response"\/>/);
    assert.match(tx.text, /<status value="201 Created"\/>/);
    const loc = /<location value="([^"]+)"\/>/.exec(tx.text);
    assert.ok(loc, tx.text);
    const txId = idFromLocation(loc[1]);

    const read = await xmlCall(client.read({ resourceType: 'ServiceRequest', id, options: { headers: XML } }));
    assert.equal(read.status, 200, read.text);
    assert.match(read.text, new RegExp(`<id value="${id}"/>`));
    assert.match(read.text, new RegExp(`<value value="lahete-${tag}"/>`));
    return [id, txId];
}

async function readback(id, identValue) {
    const params = { 'based-on': `ServiceRequest/${id}` };
    if (mode === 'json') {
        const sr = await client.read({ resourceType: 'ServiceRequest', id });
        assert.equal(sr.id, id);
        const b = await client.search({ resourceType: 'Task', searchParams: params });
        assert.equal(b.type, 'searchset');
        assert.ok(b.total >= 1, JSON.stringify(b));
        const task = b.entry[0].resource;
        assert.equal(task.resourceType, 'Task');
        assert.equal(task.status, 'accepted');
        assert.equal(task.basedOn[0].reference, `ServiceRequest/${id}`);
        assert.equal(task.basedOn[0].identifier.value, identValue);
        const byIdent = await client.search({
            resourceType: 'Task',
            searchParams: { 'based-on:identifier': `${IDENT_SYSTEM}|${identValue}` },
        });
        assert.equal(byIdent.total, b.total);
        const byId = await client.search({ resourceType: 'Task', searchParams: { 'based-on': id } });
        assert.equal(byId.total, b.total);
        const one = await client.read({ resourceType: 'Task', id: task.id });
        assert.equal(one.id, task.id);
        const none = await client.search({ resourceType: 'Task', searchParams: { 'based-on': 'nosuch' } });
        assert.equal(none.total, 0);
    } else {
        const b = await xmlCall(client.search({
            resourceType: 'Task', searchParams: params, options: { headers: XML },
        }));
        assert.equal(b.status, 200, b.text);
        assert.match(b.text, /<type value="searchset"\/>/);
        assert.match(b.text, /<Task>/);
        assert.match(b.text, /<status value="accepted"\/>/);
        assert.match(b.text, new RegExp(`<reference value="ServiceRequest/${id}"/>`));
        assert.match(b.text, new RegExp(`<value value="${identValue}"/>`));
    }
}

try {
    if (phase === 'submit') {
        const [hetu, tag] = rest;
        const ids = mode === 'xml' ? await submitXml(hetu, tag) : await submitJson(hetu, tag);
        for (const id of ids)
            console.log(`id=${id}`);
    } else if (phase === 'readback') {
        await readback(rest[0], rest[1]);
        console.log('ok');
    } else {
        throw new Error(`unknown phase ${phase}`);
    }
} catch (e) {
    console.error(`fhir client (${mode} ${phase}): ${e.stack || e}`);
    if (e.response)
        console.error(`answer ${e.response.status}: ${typeof e.response.data === 'string' ? e.response.data : JSON.stringify(e.response.data)}`);
    process.exit(1);
}
