// Checks the signed label status a QR code carries in the URL fragment (#s=...), in the browser:
// the note is unpacked as tekigo_translog::encode_for_url packs it, verified with WebCrypto
// Ed25519 against the keys of /api/v1/log/keys as Keyring::verify does, and shown in
// #signed-status in both languages. The page is complete without it.
'use strict';
(function () {
  const section = document.getElementById('signed-status');
  if (!section || !location.hash.startsWith('#s=')) return;
  const STATUSES = { 'valid': '有効', 'expired': '有効期限切れ', 'support-ended': 'サポート終了', 'suspended': '一時停止', 'revoked': '取消し' };

  class Refusal extends Error { constructor(en, ja) { super(en); this.ja = ja; } }

  function base64(text, url) {
    if (url) text = text.replace(/-/g, '+').replace(/_/g, '/');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Refusal('the fragment is not base64url', 'フラグメントが base64url ではありません');
    const binary = atob(text + '='.repeat((4 - text.length % 4) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  // The note text, then per signature: 0x00, name length, name, length, key ID || signature.
  function unpack(raw) {
    const cut = new Refusal('the packed note is cut short or malformed', '署名付きステートメントが途中で切れているか、形式が正しくありません');
    const end = raw.indexOf(0);
    if (end < 0) throw new Refusal('the note has no signature', 'ステートメントに署名がありません');
    const text = raw.subarray(0, end);
    const signatures = [];
    let at = end;
    while (at < raw.length) {
      if (raw[at] !== 0 || at + 2 > raw.length) throw cut;
      const nameEnd = at + 2 + raw[at + 1];
      if (nameEnd >= raw.length) throw cut;
      const sigEnd = nameEnd + 1 + raw[nameEnd];
      if (sigEnd > raw.length || raw[nameEnd] < 5) throw cut;
      signatures.push({
        name: new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(at + 2, nameEnd)),
        keyId: hex(raw.subarray(nameEnd + 1, nameEnd + 5)),
        signature: raw.slice(nameEnd + 5, sigEnd),
      });
      at = sigEnd;
    }
    return { text, signatures };
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  // tekigo-label-status/1: ten positional lines (tekigo_translog::LabelStatus::to_text).
  function parse(text) {
    const bad = new Refusal('the statement is not a tekigo-label-status/1 note', 'ステートメントが tekigo-label-status/1 の形式ではありません');
    if (!text.endsWith('\n') || /[\u0000-\u0009\u000b-\u001f]/.test(text)) throw bad;
    const lines = text.slice(0, -1).split('\n');
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (lines.length !== 10 || lines[0] !== 'tekigo-label-status/1' || !(lines[4] in STATUSES)
        || !date.test(lines[5]) || !date.test(lines[6]) || !/^(0|[1-9]\d*)$/.test(lines[9])) throw bad;
    return { label: lines[1], product: lines[2], level: lines[3], status: lines[4], validFrom: lines[5], validUntil: lines[6], issuedAt: Number(lines[9]) };
  }

  // A verifier key `<name>+<hex key ID>+<base64(0x01 || public key)>` (whose base64 may hold
  // '+'), its key ID recomputed as NoteVerifier::parse does.
  async function readKey(entry) {
    const [name, id, ...b64] = entry.verifier.split('+');
    const raw = base64(b64.join('+'), false);
    if (raw.length !== 33 || raw[0] !== 1) return null;
    const name8 = new TextEncoder().encode(name + '\n');
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...name8, ...raw])));
    if (hex(digest.subarray(0, 4)) !== id) return null;
    const key = await crypto.subtle.importKey('raw', raw.slice(1), { name: 'Ed25519' }, false, ['verify']);
    return { name, id, key, validFrom: entry.valid_from, notAfter: entry.not_after };
  }

  // Keyring::verify: unknown keys are skipped, a bad signature by a known key refuses the note,
  // and the key must have been valid when the status was issued.
  async function verify(note, keys, issuedAt) {
    let accepted = null;
    let outOfWindow = null;
    for (const sig of note.signatures) {
      const key = keys.find((k) => k.name === sig.name && k.id === sig.keyId);
      if (!key) continue;
      if (!(await crypto.subtle.verify('Ed25519', key.key, sig.signature, note.text))) {
        throw new Refusal(`bad signature by key ${key.name}+${key.id}: the status was changed or forged`, `鍵 ${key.name}+${key.id} の署名が正しくありません。ステートメントが改ざんされたか、偽造されています`);
      }
      if (key.notAfter != null && issuedAt > key.notAfter) outOfWindow = outOfWindow || new Refusal(`key ${key.name}+${key.id} was retired before the status was issued`, `鍵 ${key.name}+${key.id} はステートメントの発行前に廃止されています`);
      else if (key.validFrom != null && issuedAt < key.validFrom) outOfWindow = outOfWindow || new Refusal(`key ${key.name}+${key.id} was not yet valid when the status was issued`, `鍵 ${key.name}+${key.id} はステートメントの発行時点でまだ有効ではありません`);
      else accepted = accepted || key;
    }
    if (accepted) return accepted;
    throw outOfWindow || new Refusal('no key of the registry signed this status', '登録簿の鍵による署名がありません');
  }

  const japanTime = (seconds) => new Date(seconds * 1000).toLocaleString('sv-SE', { timeZone: 'Asia/Tokyo' });

  function show(state, heading, rows) {
    section.replaceChildren();
    section.hidden = false;
    section.dataset.result = state;
    const h = document.createElement('h2');
    h.textContent = heading;
    section.append(h);
    for (const [lang, text] of rows) {
      const p = document.createElement('p');
      p.lang = lang;
      p.textContent = text;
      section.append(p);
    }
  }

  async function run() {
    if (!window.crypto || !crypto.subtle || !crypto.subtle.importKey) return 'unsupported';
    const raw = base64(location.hash.slice(3), true);
    const note = unpack(raw);
    const statement = parse(new TextDecoder('utf-8', { fatal: true }).decode(note.text));
    const response = await fetch('/api/v1/log/keys', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Refusal('the registry\'s keys could not be read', '登録簿の鍵を取得できません');
    let keys;
    try {
      keys = (await Promise.all((await response.json()).keys.map(readKey))).filter((k) => k);
    } catch (error) {
      if (error.name === 'NotSupportedError') return 'unsupported';
      throw error;
    }
    await verify(note, keys, statement.issuedAt);
    return statement;
  }

  run().then((s) => {
    if (s === 'unsupported') {
      show('unsupported', 'Signed status / 署名付きステータス', [
        ['en', 'This browser cannot check the signed status (no Ed25519 in WebCrypto). The page above shows the registry\'s current status.'],
        ['ja', 'このブラウザでは署名付きステータスを確認できません（WebCrypto が Ed25519 に対応していません）。上の表示は登録簿の現在の状態です。']]);
      return;
    }
    const page = section.dataset.label;
    const when = japanTime(s.issuedAt);
    const rows = [
      ['en', `Signature verified: the registry signed at ${when} (Japan time) that label ${s.label} was ${s.status}, valid until ${s.validUntil}. This shows what the registry signed at that time; the page above shows the status now.`],
      ['ja', `署名を確認しました: 登録簿は ${when}（日本時間）に、ラベル ${s.label} の状態が「${STATUSES[s.status]}」、有効期限が ${s.validUntil} であることに署名しています。これはその時点で登録簿が署名した内容です。現在の状態は上の表示を見てください。`]];
    if (page && page !== s.label) {
      rows.push(['en', `The signed status is for label ${s.label}, not for this page's label ${page}.`],
        ['ja', `この署名付きステータスはラベル ${s.label} のもので、このページのラベル ${page} のものではありません。`]);
    }
    show(page && page !== s.label ? 'other-label' : 'verified', 'Signed status verified / 署名付きステータスを確認しました', rows);
  }, (error) => {
    const en = error instanceof Refusal ? error.message : `the status could not be checked (${error.message})`;
    const ja = error instanceof Refusal ? error.ja : `ステータスを確認できませんでした（${error.message}）`;
    show('not-verified', 'Signed status not verified / 署名付きステータスを確認できません', [
      ['en', `Not verified: ${en}. Do not rely on the status in this link; the page above shows the registry's current status.`],
      ['ja', `検証できませんでした: ${ja}。このリンクの内容を信頼しないでください。上の表示は登録簿の現在の状態です。`]]);
  });
})();
