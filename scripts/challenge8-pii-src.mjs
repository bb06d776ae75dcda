// Authored challenge set 8 for PII, written BEFORE the session-6 recall work on src/detect/pii.ts (issue #17):
// scored with the detector as it stood, then never trained or tuned on (its source is in EVAL_ONLY_SOURCES of
// src/detect/train.ts). Names, numbers and addresses are generated (seeded); identifiers carry valid check digits
// computed here; nothing is copied from public PII benchmarks.
// `node scripts/challenge8-pii-src.mjs` writes test/corpus/challenge8-pii.jsonl (deterministic).
//
// Generator `challenge8-pii`; meta.kind is the family:
//   positives: contact (name + email / phone in prose, several languages), phone (international formats),
//   address (postal addresses, several countries), natid (national ids with checksums), card (Luhn-valid cards),
//   iban, dob (dates of birth), ip (public IPv4 / IPv6 tied to a client), json (records inside tool results),
//   log (log lines and stack traces)
//   negatives: order (order / invoice / tracking numbers), money (prices, totals), version (version strings, OIDs),
//   date (dates that are not birth dates), id (UUIDs, hashes, timestamps, Luhn-failing long numbers), netinfra
//   (private / loopback / documentation IPs, git remotes, shell prompts), org (role mailboxes in docs, company
//   and place names), prose (text about personal data without any)
import { writeFileSync } from 'node:fs';
import { mulberry32 } from './lib/seeded.mjs';

const SRC = 'authored/challenge8';
const GEN = 'challenge8-pii';
const rnd = mulberry32(0x8b11_2e57);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const digits = (n) => Array.from({ length: n }, () => String(int(0, 9))).join('');
const pad = (n, w) => String(n).padStart(w, '0');
const HEX = '0123456789abcdef';
const hex = (n) => Array.from({ length: n }, () => HEX[int(0, 15)]).join('');

// ------------------------------------------------------------------------------------------ people
const PEOPLE = {
  en: { first: ['Harriet', 'Declan', 'Priya', 'Owen', 'Marisol', 'Tobias', 'Yvonne', 'Callum', 'Imogen', 'Rashid'], last: ['Pembury', 'Okafor', 'Venkataraman', 'Threlfall', 'Castellanos', 'Whitlock', 'Abernethy', 'McCready', 'Fairweather', 'Haddad'] },
  de: { first: ['Jürgen', 'Annika', 'Lukas', 'Friederike', 'Matthias', 'Svenja'], last: ['Bräutigam', 'Kowalczyk', 'Oberländer', 'Schwarzkopf', 'Hollerbach', 'Zimmermann'] },
  fr: { first: ['Margaux', 'Thibault', 'Élodie', 'Grégoire', 'Solène', 'Baptiste'], last: ['Duchesne', 'Lefebvre', 'Marchetti', 'Boulanger', 'Rousseau', 'Vasseur'] },
  es: { first: ['Inmaculada', 'Joaquín', 'Begoña', 'Alejandro', 'Nerea', 'Íñigo'], last: ['Echeverría', 'Salcedo', 'Villanueva', 'Ortega', 'Arrieta', 'Benítez'] },
  it: { first: ['Ludovica', 'Gianluca', 'Benedetta', 'Raffaele'], last: ['Bianchetti', 'Lombardo', 'Santangelo', 'Ferraresi'] },
  nl: { first: ['Femke', 'Joost', 'Sanne', 'Maarten'], last: ['van der Berg', 'Hoekstra', 'de Vries', 'Bakker'] },
  pl: { first: ['Agnieszka', 'Przemysław', 'Katarzyna', 'Grzegorz'], last: ['Wiśniewska', 'Zieliński', 'Kamińska', 'Wójcik'] },
  pt: { first: ['Conceição', 'Rodrigo', 'Leonor', 'Thiago'], last: ['Magalhães', 'Carvalho', 'Figueiredo', 'Sampaio'] },
};
const LANGS = Object.keys(PEOPLE);
const person = (lang = pick(LANGS)) => ({ first: pick(PEOPLE[lang].first), last: pick(PEOPLE[lang].last), lang });
const ascii = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').replace(/ /g, '');
const DOMAINS = ['posteo.de', 'gmx.net', 'orange.fr', 'telefonica.es', 'libero.it', 'ziggo.nl', 'wp.pl', 'sapo.pt', 'outlook.com', 'fastmail.fm', 'proton.me', 'kuehne-logistik.de', 'atelier-rousseau.fr'];
const email = (p) => `${pick([`${ascii(p.first)}.${ascii(p.last)}`, `${ascii(p.first)[0]}${ascii(p.last)}`, `${ascii(p.first)}_${ascii(p.last)}${int(1, 99)}`, `${ascii(p.last)}.${ascii(p.first)}+${pick(['shop', 'news', 'work'])}`])}`.toLowerCase() + `@${pick(DOMAINS)}`;

// phone numbers in national / international writing
const PHONES = {
  en: () => pick([`+44 7${digits(3)} ${digits(6)}`, `+1 (${int(201, 989)}) ${int(200, 989)}-${digits(4)}`, `+1-${int(201, 989)}-${int(200, 989)}-${digits(4)}`, `+61 4${digits(2)} ${digits(3)} ${digits(3)}`, `+353 8${int(3, 9)} ${digits(3)} ${digits(4)}`]),
  de: () => pick([`+49 (0)${int(30, 89)} ${digits(7)}`, `0049 151 ${digits(8)}`, `+49 1${int(51, 79)} ${digits(3)} ${digits(4)}`, `0${int(30, 89)}/${digits(6)}-${digits(2)}`]),
  fr: () => pick([`+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`, `0${int(6, 7)}.${digits(2)}.${digits(2)}.${digits(2)}.${digits(2)}`, `+33 (0)1 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`]),
  es: () => pick([`+34 6${digits(2)} ${digits(3)} ${digits(3)}`, `+34 91 ${digits(3)} ${digits(2)} ${digits(2)}`]),
  it: () => pick([`+39 3${digits(2)} ${digits(3)} ${digits(4)}`, `+39 06 ${digits(4)} ${digits(4)}`]),
  nl: () => pick([`+31 6 ${digits(8)}`, `06-${digits(8)}`, `+31 (0)20 ${digits(3)} ${digits(4)}`]),
  pl: () => pick([`+48 ${int(500, 799)} ${digits(3)} ${digits(3)}`, `+48 22 ${digits(3)} ${digits(2)} ${digits(2)}`]),
  pt: () => pick([`+351 9${int(1, 6)}${digits(1)} ${digits(3)} ${digits(3)}`, `+55 11 9${digits(4)}-${digits(4)}`, `+55 (21) 9${digits(4)}-${digits(4)}`]),
};
const phone = (lang = pick(LANGS)) => PHONES[lang]();
const otherPhones = () => pick([`+81 90-${digits(4)}-${digits(4)}`, `+91 9${digits(4)} ${digits(5)}`, `+27 8${int(1, 4)} ${digits(3)} ${digits(4)}`, `+65 9${digits(3)} ${digits(4)}`, `+971 50 ${digits(3)} ${digits(4)}`, `+52 55 ${digits(4)} ${digits(4)}`, `+46 7${int(0, 6)} ${digits(3)} ${digits(2)} ${digits(2)}`, `+41 7${int(6, 9)} ${digits(3)} ${digits(2)} ${digits(2)}`, `+4915${digits(9)}`]);

// postal addresses
const ADDR = {
  en: () => pick([`${int(2, 980)} ${pick(['Maple', 'Juniper', 'Harbor', 'Cedar Ridge', 'Lakeview'])} ${pick(['Ave', 'Street', 'Dr.', 'Blvd', 'Lane'])}, ${pick(['Apt', 'Suite', 'Unit'])} ${int(1, 40)}${pick(['', 'B', 'C'])}\n${pick(['Dayton, OH 45402', 'Tacoma, WA 98402', 'Boise, ID 83702', 'Savannah, GA 31401'])}`, `Flat ${int(1, 20)}, ${int(2, 200)} ${pick(['Gloucester Road', 'Abbey Lane', 'Kingsway'])}\n${pick(['Bristol BS7 8NR', 'Leeds LS6 2QT', 'Cardiff CF24 3AA'])}`, `${int(10, 900)} ${pick(['Queen St W', 'Rue Sherbrooke O'])}, ${pick(['Toronto, ON M5H 2N2', 'Montréal, QC H3A 1B9'])}`]),
  de: () => `${pick(['Lindenstraße', 'Am Mühlbach', 'Kastanienallee', 'Goethestr.'])} ${int(1, 140)}${pick(['', 'a', 'b'])}, ${pick(['10435 Berlin', '80331 München', '50667 Köln', '04109 Leipzig'])}`,
  fr: () => `${int(1, 120)}${pick(['', ' bis'])}, ${pick(['rue des Tanneurs', 'avenue Jean-Jaurès', 'boulevard Voltaire', 'impasse des Lilas'])}\n${pick(['69007 Lyon', '33000 Bordeaux', '75011 Paris', '31000 Toulouse'])}`,
  es: () => `${pick(['Calle de Atocha', 'Avinguda Diagonal', 'Calle Sierpes', 'Paseo de la Castellana'])}, ${int(1, 300)}, ${int(1, 9)}º ${pick(['A', 'B', 'izq.', 'dcha.'])}, ${pick(['28012 Madrid', '08008 Barcelona', '41004 Sevilla'])}`,
  it: () => `${pick(['Via Garibaldi', 'Corso Vittorio Emanuele II', 'Piazza Santo Stefano', 'Viale Monza'])} ${int(1, 200)}, ${pick(['20121 Milano (MI)', '40125 Bologna', '10123 Torino'])}`,
  nl: () => `${pick(['Prinsengracht', 'Oudegracht', 'Witte de Withstraat'])} ${int(1, 600)}${pick(['', '-II', 'A'])}, ${pick(['1016 HK Amsterdam', '3511 AB Utrecht', '3012 BK Rotterdam'])}`,
  pl: () => `ul. ${pick(['Marszałkowska', 'Długa', 'Piotrkowska'])} ${int(1, 150)}/${int(1, 40)}, ${pick(['00-624 Warszawa', '80-831 Gdańsk', '90-410 Łódź'])}`,
  pt: () => `${pick(['Rua Augusta', 'Avenida da Liberdade', 'Rua de Santa Catarina'])}, ${int(1, 300)}, ${int(1, 5)}º Esq., ${pick(['1100-053 Lisboa', '4000-447 Porto'])}`,
};
const address = (lang = pick(LANGS)) => ADDR[lang]();

// ------------------------------------------------------------------------------------------ identifiers with check digits
function luhnComplete(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}
function card() {
  const [prefix, len] = pick([['4', 16], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['3528', 16], ['4', 19]]);
  const n = luhnComplete(prefix + digits(len - prefix.length - 1));
  const sep = pick([' ', '-', '']);
  if (len === 15) return `${n.slice(0, 4)}${sep}${n.slice(4, 10)}${sep}${n.slice(10)}`;
  return n.match(/.{1,4}/g).join(sep);
}
function iban() {
  const [cc, bban] = pick([
    ['DE', () => digits(18)], ['FR', () => digits(10) + 'A' + digits(12).slice(0, 10) + digits(2)], ['ES', () => digits(20)], ['IT', () => 'X' + digits(10) + digits(12)],
    ['NL', () => pick(['ABNA', 'INGB', 'RABO']) + digits(10)], ['GB', () => pick(['NWBK', 'BARC', 'MIDL']) + digits(14)], ['PL', () => digits(24)], ['PT', () => digits(21)], ['BE', () => digits(12)], ['AT', () => digits(16)],
  ]);
  const b = bban();
  const num = (b + cc + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let r = 0;
  for (const ch of num) r = (r * 10 + Number(ch)) % 97;
  const s = `${cc}${pad(98 - r, 2)}${b}`;
  return rnd() < 0.6 ? s.match(/.{1,4}/g).join(' ') : s;
}
function ssn() {
  let area;
  do area = int(1, 899); while (area === 666);
  return `${pad(area, 3)}-${pad(int(1, 99), 2)}-${pad(int(1, 9999), 4)}`;
}
function dni() {
  const n = int(10000000, 99999999);
  return `${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}`;
}
/** A foreigner's NIE: X / Y / Z stand for 0 / 1 / 2 in the check-letter computation (same draws as dni(): one pick, one int). */
function nie() {
  const p = pick(['X', 'Y']);
  const n = int(1000000, 9999999);
  return `${p}${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[Number(`${'XYZ'.indexOf(p)}${n}`) % 23]}`;
}
function bsn() {
  for (;;) {
    const d = digits(8);
    let s = 0;
    for (let i = 0; i < 8; i++) s += Number(d[i]) * (9 - i);
    const last = s % 11;
    if (last <= 9 && d[0] !== '0') return d + last;
  }
}
function pesel(y, m, dd) {
  const mm = y >= 2000 ? m + 20 : m;
  const base = `${pad(y % 100, 2)}${pad(mm, 2)}${pad(dd, 2)}${digits(4)}`;
  const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  let s = 0;
  for (let i = 0; i < 10; i++) s += Number(base[i]) * w[i];
  return base + String((10 - (s % 10)) % 10);
}
function nir(y, m) {
  const base = `${int(1, 2)}${pad(y % 100, 2)}${pad(m, 2)}${pad(int(1, 95), 2)}${pad(int(1, 990), 3)}${pad(int(1, 999), 3)}`;
  const key = 97 - Number(BigInt(base) % 97n);
  return `${base[0]} ${base.slice(1, 3)} ${base.slice(3, 5)} ${base.slice(5, 7)} ${base.slice(7, 10)} ${base.slice(10)} ${pad(key, 2)}`;
}
function belgianNN(y, m, dd) {
  const base = `${pad(y % 100, 2)}${pad(m, 2)}${pad(dd, 2)}${pad(int(1, 997), 3)}`;
  const key = 97 - Number(BigInt((y >= 2000 ? '2' : '') + base) % 97n);
  return `${base.slice(0, 2)}.${base.slice(2, 4)}.${base.slice(4, 6)}-${base.slice(6)}.${pad(key, 2)}`;
}
const nino = () => `${pick(['AB', 'CE', 'JK', 'MW', 'PR', 'SN', 'WE'])} ${digits(2)} ${digits(2)} ${digits(2)} ${pick(['A', 'B', 'C', 'D'])}`;
const sin = () => { const n = luhnComplete(String(int(1, 7)) + digits(7)); return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`; };
function personnummer(y, m, dd) {
  const body = `${pad(y % 100, 2)}${pad(m, 2)}${pad(dd, 2)}${digits(3)}`;
  const full = luhnComplete(body);
  return `${full.slice(0, 6)}-${full.slice(6)}`;
}
const dobParts = () => ({ y: int(1941, 2006), m: int(1, 12), d: int(1, 28) });
const MONTHS = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  de: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
};
const publicIPv4 = () => `${pick([31, 46, 62, 77, 81, 85, 91, 109, 151, 176, 185, 188, 212, 217])}.${int(1, 254)}.${int(0, 254)}.${int(1, 254)}`;
const publicIPv6 = () => `2a0${int(1, 9)}:${hex(4)}:${hex(4)}:${hex(3)}::${hex(4)}`;

const pos = [];
const neg = [];
const P = (kind, text) => pos.push({ kind, text });
const N = (kind, text) => neg.push({ kind, text });

// ------------------------------------------------------------------------------------------ positives
const CONTACT = {
  en: (p) => pick([`Hi team, please loop in ${p.first} ${p.last} (${email(p)}) on the renewal.`, `Reach ${p.first} on ${phone('en')} if the delivery is late.`, `Customer: ${p.first} ${p.last}\nCallback: ${phone('en')}`]),
  de: (p) => pick([`Bitte melden Sie sich bei Frau ${p.last} unter ${phone('de')} oder per E-Mail an ${email(p)}.`, `Ansprechpartner: ${p.first} ${p.last}, Tel. ${phone('de')}`]),
  fr: (p) => pick([`Vous pouvez joindre ${p.first} ${p.last} au ${phone('fr')}.`, `Contact : ${p.first} ${p.last} — ${email(p)}`]),
  es: (p) => pick([`Para cualquier duda, escriba a ${p.first} ${p.last} (${email(p)}) o llame al ${phone('es')}.`, `Titular: ${p.first} ${p.last}; móvil ${phone('es')}`]),
  it: (p) => pick([`Referente: dott.ssa ${p.first} ${p.last}, cell. ${phone('it')}`, `Scrivete a ${email(p)} per confermare.`]),
  nl: (p) => pick([`Neem contact op met ${p.first} ${p.last} via ${phone('nl')}.`, `Contactpersoon: ${p.first} ${p.last} <${email(p)}>`]),
  pl: (p) => pick([`Osoba kontaktowa: ${p.first} ${p.last}, tel. ${phone('pl')}`, `Proszę pisać na ${email(p)}.`]),
  pt: (p) => pick([`Fale com ${p.first} ${p.last} pelo ${phone('pt')}.`, `Contacto: ${email(p)}`]),
};
for (let i = 0; i < 20; i++) { const lang = LANGS[i % LANGS.length]; P('contact', CONTACT[lang](person(lang))); }
for (let i = 0; i < 12; i++) P('phone', pick([`Tel: ${otherPhones()}`, `WhatsApp ${otherPhones()}`, `call back number ${otherPhones()}`, `"mobile":"${otherPhones()}"`]));
for (let i = 0; i < 16; i++) {
  const lang = LANGS[i % LANGS.length]; const p = person(lang);
  P('address', pick([`${p.first} ${p.last}\n${address(lang)}`, `Ship to: ${address(lang)}`, `Lieferadresse / delivery address: ${address(lang).replace(/\n/g, ', ')}`, `{"recipient":"${p.first} ${p.last}","address":"${address(lang).replace(/\n/g, ', ')}"}`]));
}
for (let i = 0; i < 22; i++) {
  const { y, m, d } = dobParts();
  P('natid', [
    () => `SSN: ${ssn()}`, () => `social security no. ${ssn().replace(/-/g, ' ')}`, () => `DNI ${dni()}`, () => `NIF: ${dni()}`, () => `BSN ${bsn()}`, () => `burgerservicenummer: ${bsn()}`,
    () => `PESEL: ${pesel(y, m, d)}`, () => `numer PESEL ${pesel(y, m, d)}`, () => `N° de sécurité sociale : ${nir(y, m)}`, () => `NIR ${nir(y, m).replace(/ /g, '')}`, () => `National Insurance number: ${nino()}`,
    () => `NI no ${nino().replace(/ /g, '')}`, () => `SIN: ${sin()}`, () => `personnummer ${personnummer(y, m, d)}`, () => `{"ssn":"${ssn()}","plan":"gold"}`, () => `employee ${int(1000, 9999)} | ${ssn()} | active`,
    () => `Rijksregisternummer ${belgianNN(y, m, d)}`,
    () => `DNI/NIE: ${nie()}`, () => `Tax ID (SSN) ${ssn()}`, () => `BSN-nummer: ${bsn().replace(/(\d{4})(\d{2})(\d{3})/, '$1.$2.$3')}`, () => `PESEL ${pesel(y, m, d)} (${p2(d)}.${p2(m)}.${y})`, () => `ITIN ${9}${digits(2)}-${pick(['70', '78', '88', '92'])}-${digits(4)}`,
  ][i]());
}
function p2(n) { return pad(n, 2); }
for (let i = 0; i < 12; i++) P('card', pick([`Card: ${card()} exp ${p2(int(1, 12))}/${int(27, 31)}`, `cc=${card()}`, `Paid with card ${card()}`, `{"payment":{"pan":"${card().replace(/\D/g, '')}","holder":"${person().first} ${person().last}"}}`, `Kartennummer ${card()}`, `numéro de carte ${card()}`]));
for (let i = 0; i < 12; i++) { const p = person(); P('iban', pick([`IBAN: ${iban()}`, `Bitte überweisen Sie auf ${iban()} (Kontoinhaber ${p.first} ${p.last}).`, `"iban": "${iban().replace(/ /g, '')}"`, `Beneficiary account ${iban()}`, `Cuenta: ${iban()}`])); }
for (let i = 0; i < 14; i++) {
  const { y, m, d } = dobParts(); const p = person();
  P('dob', pick([
    `DOB: ${y}-${p2(m)}-${p2(d)}`, `Date of birth: ${d} ${MONTHS.en[m - 1]} ${y}`, `${p.first} ${p.last}, born ${MONTHS.en[m - 1]} ${d}, ${y}`, `Geburtsdatum: ${p2(d)}.${p2(m)}.${y}`, `geb. am ${d}. ${MONTHS.de[m - 1]} ${y}`,
    `Date de naissance : ${p2(d)}/${p2(m)}/${y}`, `née le ${d} ${MONTHS.fr[m - 1]} ${y}`, `Fecha de nacimiento: ${d} de ${MONTHS.es[m - 1]} de ${y}`, `{"name":"${p.first} ${p.last}","birthDate":"${y}-${p2(m)}-${p2(d)}"}`, `patient ${p.last}, D.O.B. ${p2(m)}/${p2(d)}/${y}`, `data di nascita ${p2(d)}/${p2(m)}/${y}`,
  ]));
}
for (let i = 0; i < 10; i++) P('ip', pick([
  `${publicIPv4()} - - [07/Nov/2026:10:${int(10, 59)}:${int(10, 59)} +0000] "GET /account/settings HTTP/1.1" 200 ${int(300, 9000)}`,
  `login succeeded for ${email(person())} from ${publicIPv4()}`,
  `{"event":"signin","user_id":${int(1000, 99999)},"client_ip":"${publicIPv4()}"}`,
  `Failed password for ${pick(['root', 'admin', 'ubuntu'])} from ${publicIPv4()} port ${int(30000, 65000)} ssh2`,
  `X-Forwarded-For: ${publicIPv4()}, 10.0.${int(0, 9)}.${int(1, 254)}`,
  `client address ${publicIPv6()} requested /api/orders`,
]));
for (let i = 0; i < 12; i++) {
  const p = person(); const { y, m, d } = dobParts();
  P('json', pick([
    JSON.stringify({ content: [{ type: 'text', text: JSON.stringify({ customers: [{ id: int(1, 9999), name: `${p.first} ${p.last}`, email: email(p), phone: phone(p.lang) }] }) }] }),
    JSON.stringify({ result: { rows: [[int(1, 999), `${p.first} ${p.last}`, `${y}-${p2(m)}-${p2(d)}`, address(p.lang).replace(/\n/g, ', ')]] } }),
    JSON.stringify({ user: { firstName: p.first, lastName: p.last, contact: { tel: phone(p.lang) } } }, null, 2),
    JSON.stringify({ hits: [{ _source: { owner: email(p), iban: iban().replace(/ /g, '') } }] }),
    `id,name,email,created\n${int(1, 999)},${p.first} ${p.last},${email(p)},2026-0${int(1, 9)}-1${int(0, 9)}`,
  ]));
}
for (let i = 0; i < 10; i++) {
  const p = person();
  P('log', pick([
    `2026-11-04 09:12:44,201 WARN  [billing] charge declined for customer=${email(p)} card=${card().replace(/\D/g, '')}`,
    `Error: Validation failed for user {"email":"${email(p)}","phone":"${phone(p.lang)}"}\n    at validate (/app/src/users.js:41:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
    `[notify] SMS queued to ${phone(p.lang)} (template=otp)`,
    `audit: record updated by ${p.first.toLowerCase()}.${ascii(p.last).toLowerCase()} — new address "${address(p.lang).replace(/\n/g, ', ')}"`,
    `psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "users_email_key"\nDETAIL:  Key (email)=(${email(p)}) already exists.`,
  ]));
}

// ------------------------------------------------------------------------------------------ negatives
const luhnFail = () => { const n = luhnComplete('4' + digits(14)); return n.slice(0, 15) + String((Number(n[15]) + int(1, 9)) % 10); };
const NEGS = {
  order: [
    () => `Order #${digits(10)} has shipped via DHL, tracking ${digits(12)}.`, () => `Rechnung Nr. ${int(2026, 2026)}-${digits(6)} vom 03.11.2026`, () => `Commande n° ${digits(9)} confirmée`,
    () => `Pedido ${digits(8)} · 3 artículos`, () => `PO-${digits(7)} approved, cost centre ${digits(4)}`, () => `ticket ${pick(['SUP', 'OPS', 'INC'])}-${int(100, 99999)} reopened`,
    () => `Tracking: 1Z${digits(2)}${'X'}${digits(13)}`, () => `Sendungsnummer ${digits(20)}`, () => `SKU ${digits(13)} (EAN) in stock: ${int(0, 400)}`,
  ],
  money: [
    () => `Total: €${int(1, 9)},${digits(3)}.${digits(2)} incl. VAT`, () => `Summe 1.${digits(3)},${digits(2)} €`, () => `Price $${int(10, 999)}.${digits(2)} (was $${int(10, 999)}.${digits(2)})`,
    () => `revenue grew to ${int(10, 99)}.${int(1, 9)} million in Q3, up ${int(2, 30)}%`, () => `Budget line ${digits(4)}: 12 500,00 PLN`,
  ],
  version: [
    () => `Upgraded to ${int(1, 9)}.${int(0, 30)}.${int(0, 30)}.${int(0, 999)}`, () => `OID 1.3.6.1.4.1.${digits(5)}.1.${int(1, 9)}`, () => `node v20.${int(1, 19)}.${int(0, 9)}, npm 10.${int(0, 9)}.${int(0, 9)}`,
    () => `firmware 4.${int(1, 20)}.${int(100, 400)}.${int(1, 99)} released`, () => `Chrome/1${int(18, 31)}.0.${int(5000, 6999)}.${int(10, 200)} Safari/537.36`,
  ],
  date: [
    () => `Released on ${int(2019, 2026)}-${p2(int(1, 12))}-${p2(int(1, 28))}.`, () => `Invoice date: ${p2(int(1, 28))}.${p2(int(1, 12))}.2026, due in 30 days`, () => `Lieferdatum: ${p2(int(1, 28))}.${p2(int(1, 12))}.2026`,
    () => `The meeting moved to ${int(1, 28)} ${MONTHS.en[int(0, 11)]} 2027 at 14:00.`, () => `Fecha de vencimiento: ${int(1, 28)} de ${MONTHS.es[int(0, 11)]} de 2026`, () => `"created_at":"2026-${p2(int(1, 12))}-${p2(int(1, 28))}T${p2(int(0, 23))}:12:09Z"`,
    () => `The company was founded on ${MONTHS.en[int(0, 11)]} ${int(1, 28)}, 19${int(50, 99)}.`, () => `Expiry: ${p2(int(1, 12))}/${int(27, 31)}`,
  ],
  id: [
    () => `request ${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)} completed in ${int(3, 900)} ms`, () => `"timestamp_ms": ${int(1.7e12, 1.8e12)}`, () => `build ${hex(40)}`,
    () => `trace_id=${luhnFail()}`, () => `"account_ref": "${luhnFail()}"`, () => `batch ${digits(16)} imported, ${int(1, 900)} rows`, () => `md5 ${hex(32)}`,
    () => `serial number: ${pick(['SN', 'S/N '])}${digits(12)}`, () => `job_id=${digits(19)}`, () => `ISBN 978-${int(0, 1)}-${digits(3)}-${digits(5)}-${int(0, 9)}`,
  ],
  netinfra: [
    () => `listening on 0.0.0.0:${int(3000, 9000)}`, () => `upstream 10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}:8080 healthy`, () => `curl http://127.0.0.1:${int(3000, 9000)}/healthz`,
    () => `gateway 192.168.${int(0, 10)}.1, DNS 1.1.1.1 and 8.8.8.8`, () => `git@github.com:${pick(['acme', 'example-org'])}/${pick(['infra', 'web'])}.git`, () => `root@web-${p2(int(1, 20))}:~# systemctl restart nginx`,
    () => `subnet 172.${int(16, 31)}.0.0/16, pod CIDR 10.244.0.0/16`, () => `docs use 192.0.2.${int(1, 254)} and 2001:db8::${hex(4)} as examples`, () => `import x from "@scope/pkg@${int(1, 9)}.${int(0, 9)}.${int(0, 9)}"`,
  ],
  org: [
    () => `For support write to support@${pick(['example.com', 'example.org'])}; we answer within one business day.`, () => `Bug reports: security@example.net (PGP key on the website).`,
    () => `Headquarters: ${pick(['Berlin', 'Lyon', 'Madrid', 'Rotterdam'])}, with offices in ${pick(['Warsaw', 'Porto', 'Milan'])}.`, () => `Acme Logistics GmbH is registered in the commercial register of Hamburg.`,
    () => `The conference takes place in Lisbon; hotels near Avenida da Liberdade are recommended.`, () => `Call the front desk on extension ${int(100, 999)}.`, () => `Emergency number in the EU: 112.`,
  ],
  prose: [
    () => `We never store full card numbers; only the last four digits are kept for receipts.`, () => `Bitte geben Sie Ihr Geburtsdatum und Ihre Telefonnummer im Formular ein.`,
    () => `La date de naissance est facultative ; l'adresse e-mail est obligatoire.`, () => `El número de la seguridad social se solicita sólo para la nómina.`,
    () => `Personal data is deleted 30 days after the account is closed, per our retention policy.`, () => `Temperatures reached 38.2 °C on 14 August, a record for the region.`,
    () => `Mix 250 g flour, 2 eggs and 1.5 dl milk; bake for 35-40 minutes at 180 °C.`, () => `Score: ${int(1, 5)}-${int(0, 4)} after ${int(60, 90)} minutes.`,
  ],
};
for (const [kind, fs] of Object.entries(NEGS)) for (const f of fs) { N(kind, f()); if (rnd() < 0.45) N(kind, f()); }

// ------------------------------------------------------------------------------------------ write
const rows = [];
pos.forEach((x, i) => rows.push({ id: `challenge8-pii-pos-${i}`, type: 'text', text: x.text, labels: ['pii'], source: SRC, meta: { generator: GEN, kind: x.kind } }));
neg.forEach((x, i) => rows.push({ id: `challenge8-pii-neg-${i}`, type: 'text', text: x.text, labels: [], source: SRC, meta: { generator: GEN, kind: x.kind } }));
writeFileSync(new URL('../test/corpus/challenge8-pii.jsonl', import.meta.url), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
process.stderr.write(`challenge8-pii: ${pos.length} positive / ${neg.length} negative\n`);
