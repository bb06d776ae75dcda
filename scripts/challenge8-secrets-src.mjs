// Authored challenge set 8 for secrets, written BEFORE the session-6 recall work on src/detect/secrets.ts
// (issue #17): scored with the detector as it stood, then never trained or tuned on (its source is in
// EVAL_ONLY_SOURCES of src/detect/train.ts). Values are random (seeded); nothing is copied from public
// secret-scanner test suites.
// `node scripts/challenge8-secrets-src.mjs` writes test/corpus/challenge8-secrets.jsonl (deterministic).
//
// Generator `challenge8-secrets`; meta.kind is the family:
//   positives: kv-<format> (keyword = value in a config format), conn (connection strings / URLs with
//   credentials), header (HTTP auth headers, curl), key (private key blocks), jwt, embedded (a secret inside a
//   JSON tool result, a log line, a stack trace or code), i18n (keywords in other languages)
//   negatives: placeholder, reference (env / vault / template references), id (hashes, UUIDs, SHAs, request ids),
//   docs (documentation examples), public (public keys, certificates), data (base64 images, versions, order numbers,
//   prices, token counts), prose (text about passwords and keys)
import { writeFileSync } from 'node:fs';
import { mulberry32 } from './lib/seeded.mjs';

const SRC = 'authored/challenge8';
const GEN = 'challenge8-secrets';
const rnd = mulberry32(0x8c5e_c8e7);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const chars = (set, n) => Array.from({ length: n }, () => set[Math.floor(rnd() * set.length)]).join('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIG = '0123456789';
const ALNUM = LOWER + UPPER + DIG;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const SYM = '!#%&*+-.?@^_~';

/** A password a person or a generator would set: mixed classes, 10–22 characters, at least one of each class. */
function password() {
  const n = int(10, 22);
  let s = chars(LOWER, 2) + chars(UPPER, 2) + chars(DIG, 2) + chars(SYM, 1) + chars(ALNUM + SYM, n - 7);
  s = s.split('').sort(() => rnd() - 0.5).join('');
  return s;
}
/** A machine secret in one of the shapes services hand out. */
function token() {
  return pick([
    () => chars(ALNUM, int(20, 48)),
    () => chars(HEX, pick([24, 32, 40, 48, 64])),
    () => chars(B64, pick([28, 40, 44, 56])) + pick(['', '=', '==']),
    () => chars(B64URL, int(22, 43)),
    () => `${chars(ALNUM, 6)}.${chars(ALNUM, 24)}`,
    () => `${chars(LOWER + DIG, 8)}-${chars(LOWER + DIG, 4)}-${chars(LOWER + DIG, 12)}${chars(LOWER + DIG, 8)}`,
  ])();
}
const secretValue = () => (rnd() < 0.45 ? password() : token());

const pos = [];
const neg = [];
const P = (kind, text) => pos.push({ kind, text });
const N = (kind, text) => neg.push({ kind, text });

// ------------------------------------------------------------------------------------------ keyword tables
// keyword spellings across conventions: snake, kebab, camel, Pascal, UPPER, dotted
const KEYS = [
  ['db', 'password'], ['admin', 'pass'], ['root', 'pwd'], ['smtp', 'passwd'], ['api', 'secret'], ['app', 'secret', 'key'],
  ['client', 'secret'], ['auth', 'token'], ['access', 'token'], ['refresh', 'token'], ['api', 'key'], ['private', 'key'],
  ['signing', 'secret'], ['jwt', 'secret'], ['hmac', 'key'], ['encryption', 'key'], ['session', 'secret'], ['master', 'password'],
  ['bind', 'credentials'], ['service', 'account', 'key'], ['webhook', 'signing', 'key'], ['cookie', 'secret'], ['bearer', 'token'],
  ['storage', 'access', 'key'], ['license', 'key'], ['oauth', 'client', 'secret'], ['sftp', 'password'], ['keystore', 'pass'],
];
const kcase = (parts, style) => {
  switch (style) {
    case 'snake': return parts.join('_');
    case 'kebab': return parts.join('-');
    case 'camel': return parts[0] + parts.slice(1).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
    case 'pascal': return parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('');
    case 'upper': return parts.join('_').toUpperCase();
    case 'dot': return parts.join('.');
    default: return parts.join('');
  }
};
const STYLES = ['snake', 'kebab', 'camel', 'pascal', 'upper', 'dot', 'flat'];
const key = (style) => kcase(pick(KEYS), style ?? pick(STYLES));

// ------------------------------------------------------------------------------------------ formats
// each takes (key, value) and returns the text; the value is quoted as that format quotes it
const FORMATS = {
  yaml: (k, v) => `${pick(['production', 'default', 'integrations'])}:\n  ${pick(['endpoint: https://api.internal.example.org', 'enabled: true', 'region: eu-central-1'])}\n  ${k}: ${pick([v, `"${v}"`, `'${v}'`])}\n  ${pick(['timeout_ms: 2500', 'retries: 4', 'pool: 10'])}`,
  env: (k, v) => `${pick(['PORT=8080', 'APP_ENV=staging', 'TZ=UTC'])}\n${k.toUpperCase().replace(/[.-]/g, '_')}=${pick([v, `"${v}"`, `'${v}'`])}\n${pick(['DEBUG=false', 'LOG_FORMAT=json'])}`,
  php: (k, v) => pick([
    `<?php\nreturn [\n    '${k}' => '${v}',\n    'cache' => 'redis',\n];`,
    `<?php\n$${k.replace(/[.-]/g, '_')} = "${v}";`,
    `<?php\nputenv("${k.toUpperCase().replace(/[.-]/g, '_')}=${v}");`,
  ]),
  ini: (k, v) => `; generated ${int(2019, 2026)}-0${int(1, 9)}-1${int(0, 9)}\n[${pick(['client', 'mail', 'backend', 'replication'])}]\n${pick(['host', 'server'])} = ${pick(['10.20.1.7', 'mx1.corp.example', 'db-primary'])}\n${k}${pick([' = ', '=', ' : '])}${v}`,
  toml: (k, v) => `[${pick(['auth', 'storage.s3', 'notifier.slack'])}]\n${k.replace(/[.]/g, '_')} = ${pick([`"${v}"`, `'${v}'`])}\nverify_tls = true`,
  json: (k, v) => JSON.stringify({ [pick(['service', 'connector', 'plugin'])]: pick(['ledger', 'crm-sync', 'etl']), settings: { [k]: v, retries: int(1, 5) } }, null, pick([0, 2])),
  xml: (k, v) => pick([
    `<configuration>\n  <${k.replace(/[.]/g, '-')}>${v}</${k.replace(/[.]/g, '-')}>\n  <maxConnections>20</maxConnections>\n</configuration>`,
    `<properties>\n  <entry key="${k}">${v}</entry>\n</properties>`,
    `<add key="${k}" value="${v}" />`,
    `<server>\n  <id>nexus-releases</id>\n  <username>deployer</username>\n  <${pick(['password', 'passphrase'])}>${v}</${pick(['password', 'passphrase'])}>\n</server>`.replace(/<(passphrase|password)>(.*)<\/(passphrase|password)>/, '<password>$2</password>'),
  ]),
  props: (k, v) => `# ${pick(['datasource', 'mail', 'ldap'])}\n${pick(['app', 'spring.mail', 'ldap.context'])}.${k.replace(/_/g, '.').toLowerCase()}${pick(['=', ' = ', ': '])}${v}`,
  hcl: (k, v) => pick([
    `resource "${pick(['aws_db_instance', 'azurerm_mssql_server', 'google_sql_user'])}" "main" {\n  name     = "orders"\n  ${k.replace(/[.-]/g, '_')} = "${v}"\n}`,
    `variable "${k.replace(/[.-]/g, '_')}" {\n  type    = string\n  default = "${v}"\n}`,
    `provider "${pick(['vault', 'datadog', 'cloudflare'])}" {\n  ${k.replace(/[.-]/g, '_')} = "${v}"\n}`,
  ]),
  shell: (k, v) => pick([
    `export ${k.toUpperCase().replace(/[.-]/g, '_')}=${pick([v, `'${v}'`, `"${v}"`])}`,
    `$ ${k.toUpperCase().replace(/[.-]/g, '_')}='${v}' ./deploy.sh --env prod`,
    `set -x ${k.toUpperCase().replace(/[.-]/g, '_')} "${v}"`,
    `$env:${k.toUpperCase().replace(/[.-]/g, '_')} = "${v}"`,
  ]),
  docker: (k, v) => pick([
    `docker run -d --name ${pick(['api', 'worker', 'db'])} -e ${k.toUpperCase().replace(/[.-]/g, '_')}=${v} -p 8080:8080 registry.example.com/app:1.4`,
    `services:\n  app:\n    image: app:latest\n    environment:\n      - ${k.toUpperCase().replace(/[.-]/g, '_')}=${v}\n      - LOG_LEVEL=info`,
    `ENV ${k.toUpperCase().replace(/[.-]/g, '_')}=${v}`,
  ]),
  code: (k, v) => pick([
    `${k.replace(/[.-]/g, '_')} = "${v}"  # TODO move to vault`,
    `private static final String ${k.toUpperCase().replace(/[.-]/g, '_')} = "${v}";`,
    `const config = { ${kcase(k.split(/[._-]/), 'camel')}: '${v}', region: 'us-east-1' };`,
    `client := api.New(api.Config{${kcase(k.split(/[._-]/), 'pascal')}: "${v}"})`,
    `os.environ.setdefault("${k.toUpperCase().replace(/[.-]/g, '_')}", "${v}")`,
    `let ${kcase(k.split(/[._-]/), 'camel')}: &str = "${v}";`,
  ]),
};
const FMT_NAMES = Object.keys(FORMATS);
for (let i = 0; i < 66; i++) {
  const f = FMT_NAMES[i % FMT_NAMES.length];
  P(`kv-${f}`, FORMATS[f](key(), secretValue()));
}

// connection strings and URLs with credentials
const user = () => pick(['svc_orders', 'app', 'etl-reader', 'admin', 'deploy', 'reporting', 'jenkins', 'root']);
const host = () => pick(['db-01.prod.internal', '10.4.2.17', 'pg.eu-west-1.rds.example.net', 'cache.svc.cluster.local', 'mq.corp.example', 'files.example.org']);
const urlpw = () => encodeURIComponent(password()).replace(/%2B/g, '+');
for (let i = 0; i < 16; i++) {
  P('conn', pick([
    () => `postgresql://${user()}:${urlpw()}@${host()}:5432/${pick(['orders', 'analytics'])}?sslmode=require`,
    () => `mysql://${user()}:${urlpw()}@${host()}/shop`,
    () => `mongodb://${user()}:${urlpw()}@${host()}:27017/?authSource=admin`,
    () => `rediss://default:${token()}@${host()}:6380`,
    () => `Server=${host()};Database=Billing;User Id=${user()};Password=${password()};TrustServerCertificate=True`,
    () => `Host=${host()};Port=5432;Username=${user()};Pwd=${password()};Database=app`,
    () => `DefaultEndpointsProtocol=https;AccountName=${chars(LOWER, 10)};AccountKey=${chars(B64, 86)}==;EndpointSuffix=core.windows.net`,
    () => `ftp://${user()}:${urlpw()}@${host()}/exports/`,
    () => `https://${user()}:${token()}@git.example.com/platform/infra.git`,
    () => `amqps://${user()}:${urlpw()}@${host()}/vhost`,
    () => `jdbc:postgresql://${host()}:5432/app?user=${user()}&password=${urlpw()}`,
    () => `machine ${host()}\n  login ${user()}\n  password ${password()}`,
    () => `[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.example.org\nusername = ${user()}\npassword = ${password()}`,
    () => `//npm.example.org/:_authToken=${token()}`,
    () => `kubectl create secret generic db-creds --from-literal=username=${user()} --from-literal=password=${password()}`,
    () => `sshpass -p '${password()}' ssh ${user()}@${host()}`,
  ])());
}

// HTTP auth headers
for (let i = 0; i < 12; i++) {
  const tok = token();
  P('header', pick([
    () => `curl -sS https://api.example.net/v3/items -H "Authorization: Bearer ${tok}"`,
    () => `curl -u ${user()}:${password()} https://ci.example.org/api/json`,
    () => `curl --header 'X-Auth-Token: ${tok}' https://metrics.example.io/api/query`,
    () => `curl -H "Authorization: Basic ${Buffer.from(`${user()}:${password()}`).toString('base64')}" https://registry.example.com/v2/`,
    () => `POST /graphql HTTP/1.1\nHost: api.example.com\nContent-Type: application/json\nX-API-Key: ${tok}`,
    () => `http GET https://api.example.com/me "Authorization:Token ${tok}"`,
    () => `fetch(url, { headers: { 'Authorization': 'Bearer ${tok}', 'Accept': 'application/json' } })`,
    () => `requests.get(url, headers={"x-api-key": "${tok}"}, timeout=10)`,
    () => `Proxy-Authorization: Basic ${Buffer.from(`${user()}:${password()}`).toString('base64')}`,
  ])());
}

// private keys: PEM (several types, encrypted), OpenSSH, PuTTY, PGP; sometimes inside JSON or YAML
const b64lines = (n, w = 64) => Array.from({ length: n }, () => chars(B64, w)).join('\n');
const keyBlocks = [
  () => `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${chars(B64, 58)}\n${b64lines(int(6, 12))}\n${chars(B64, 40)}==\n-----END RSA PRIVATE KEY-----`,
  () => `-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI${chars(B64, 16)}\n${b64lines(8)}\n-----END ENCRYPTED PRIVATE KEY-----`,
  () => `-----BEGIN DSA PRIVATE KEY-----\nMIIBuw${chars(B64, 58)}\n${b64lines(5)}\n-----END DSA PRIVATE KEY-----`,
  () => `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABD${chars(B64, 7)}\n${b64lines(7, 70)}\n-----END OPENSSH PRIVATE KEY-----`,
  () => `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ${user()}@laptop\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAI${chars(B64, 39)}\n${chars(B64, 12)}\nPrivate-Lines: 1\nAAAAI${chars(B64, 39)}\nPrivate-MAC: ${chars(HEX, 64)}`,
  () => `PuTTY-User-Key-File-2: ssh-rsa\nEncryption: aes256-cbc\nComment: rsa-key-${int(2015, 2025)}0${int(1, 9)}1${int(0, 9)}\nPublic-Lines: 6\n${b64lines(6)}\nPrivate-Lines: 14\n${b64lines(14)}\nPrivate-MAC: ${chars(HEX, 40)}`,
  () => `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQWGBG${chars(B64, 58)}\n${b64lines(10)}\n=${chars(B64, 4)}\n-----END PGP PRIVATE KEY BLOCK-----`,
  () => `-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${chars(HEX, 32).toUpperCase()}\n\n${b64lines(3)}\n-----END EC PRIVATE KEY-----`,
  () => JSON.stringify({ type: 'service_account', project_id: `proj-${chars(LOWER + DIG, 8)}`, private_key_id: chars(HEX, 40), private_key: `-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC${chars(B64, 32)}\n${b64lines(6)}\n-----END PRIVATE KEY-----\n`, client_email: `etl@proj.iam.gserviceaccount.com` }),
  () => `tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    MC4CAQAwBQYDK2VwBCIEI${chars(B64, 27)}\n    -----END PRIVATE KEY-----`,
];
for (let i = 0; i < 14; i++) P('key', keyBlocks[i % keyBlocks.length]());

// JWTs in several places (header alg / payload vary; signature random)
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = () => `${b64u({ alg: pick(['HS256', 'RS256', 'ES384', 'HS512']), typ: 'JWT', ...(rnd() < 0.5 ? { kid: chars(HEX, 8) } : {}) })}.${b64u({ iss: pick(['https://auth.example.com/', 'accounts', 'svc-gateway']), sub: chars(DIG, 9), scope: pick(['read write', 'admin', 'orders:read']), iat: 1760000000 + int(0, 9e6), exp: 1770000000 + int(0, 9e6) })}.${chars(B64URL, pick([43, 86, 64]))}`;
for (let i = 0; i < 10; i++) {
  P('jwt', pick([
    () => `Set-Cookie: session=${jwt()}; Path=/; HttpOnly; Secure`,
    () => `{"ok":true,"data":{"id_token":"${jwt()}","expires_in":3600}}`,
    () => `2026-11-03T08:14:22.481Z DEBUG auth.middleware token=${jwt()} user=${chars(DIG, 6)}`,
    () => `https://app.example.com/callback#access_token=${jwt()}&token_type=Bearer`,
    () => `wscat -c wss://stream.example.com/ws -H "Sec-WebSocket-Protocol: ${jwt()}"`,
    () => `${jwt()}`,
  ])());
}

// secrets inside tool results, logs, stack traces and code
for (let i = 0; i < 16; i++) {
  const k = key('snake'), v = secretValue();
  P('embedded', pick([
    () => JSON.stringify({ content: [{ type: 'text', text: `Found config in ${pick(['/etc/app/config.yml', '.env.production', 'settings.py'])}:\n${k}: ${v}\nport: 8443` }], isError: false }),
    () => `[2026-10-12 03:21:09,114] ERROR sqlalchemy.pool: could not connect using ${pick(['postgresql', 'mysql'])}://${user()}:${urlpw()}@${host()}/app (timeout)`,
    () => `Traceback (most recent call last):\n  File "/srv/app/sync.py", line 88, in <module>\n    client = Client(${k}="${v}")\n  File "/srv/app/lib/client.py", line 12, in __init__\n    raise ConnectionError("handshake failed")\nConnectionError: handshake failed`,
    () => `java.lang.IllegalStateException: login failed for user=${user()} ${pick(['password', 'pwd', 'passwd'])}=${password()}\n\tat com.example.db.Pool.open(Pool.java:142)\n\tat com.example.App.main(App.java:31)`,
    () => `{"jsonrpc":"2.0","id":${int(1, 90)},"result":{"structuredContent":{"env":{"${k.toUpperCase()}":"${v}","NODE_ENV":"production"}}}}`,
    () => `level=info ts=2026-09-01T11:02:03Z caller=auth.go:77 msg="refreshing credentials" ${pick(['client_secret', 'api_key', 'secret'])}=${token()}`,
    () => `diff --git a/config/prod.yml b/config/prod.yml\n@@ -3,3 +3,3 @@\n-  ${k}: ${pick(['changeme', 'TODO'])}\n+  ${k}: ${v}`,
    () => `| name | value |\n|---|---|\n| ${k} | ${v} |\n| region | eu-north-1 |`,
  ])());
}

// keywords in other languages
const I18N_KEYS = ['passwort', 'kennwort', 'mot_de_passe', 'motdepasse', 'contrasena', 'contraseña', 'senha', 'wachtwoord', 'haslo', 'hasło', 'parola', 'lösenord', 'salasana', 'heslo', 'jelszo', 'пароль', 'パスワード', '密码'];
for (let i = 0; i < 12; i++) {
  const k = I18N_KEYS[i % I18N_KEYS.length];
  P('i18n', pick([
    () => `${k}: ${password()}`,
    () => `${k.toUpperCase()}=${password()}`,
    () => `"${k}": "${password()}"`,
    () => `Benutzer: ${user()}\n${k[0].toUpperCase() + k.slice(1)}: ${password()}`,
  ])());
}

// ------------------------------------------------------------------------------------------ negatives
const PLACEHOLDERS = [
  'changeme', 'change-me', 'CHANGE_ME', '<your-key>', '<YOUR_API_KEY>', '<password>', 'xxxx', 'xxxxxxxxxxxxxxxxxxxx', 'XXXXXXXX',
  '${DB_PASSWORD}', '${SECRET_KEY:-}', '$API_TOKEN', '{{ secrets.TOKEN }}', '{{password}}', '%(password)s', '***', '********', '••••••••',
  'REPLACE_ME', 'your-secret-here', 'your_api_key_here', 'PUT_YOUR_TOKEN_HERE', 'insert_password', 'secret', 'password', 'none', 'null', '',
  '""', 'TBD', 'n/a', '[REDACTED]', '<redacted>', '#{vault.db.password}', '@@SECRET@@', '__TOKEN__', 'example', 'test', 'foobar',
];
for (let i = 0; i < 44; i++) {
  const f = FMT_NAMES[(i * 5) % FMT_NAMES.length];
  N('placeholder', FORMATS[f](key(), PLACEHOLDERS[i % PLACEHOLDERS.length]));
}
N('placeholder', `postgresql://${pick(['user', 'USERNAME', '<user>'])}:${pick(['<password>', 'PASSWORD', '${PGPASSWORD}'])}@localhost:5432/dbname`);
N('placeholder', `curl -H "Authorization: Bearer <ACCESS_TOKEN>" https://api.example.com/v1/me`);
N('placeholder', `curl -H "Authorization: Bearer \${TOKEN}" https://api.example.com/v1/me`);
N('placeholder', `curl -u "$USER:$PASS" https://ci.example.org/api/json`);
N('placeholder', `docker run -e POSTGRES_PASSWORD=\${POSTGRES_PASSWORD} postgres:16`);
N('placeholder', `Server=myServer;Database=myDb;User Id=myUser;Password=myPassword;`);
N('placeholder', `-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----`);
N('placeholder', `private_key = "-----BEGIN PRIVATE KEY-----\\n<paste your key here>\\n-----END PRIVATE KEY-----"`);

// references: environment, vaults, templates, secret managers
const REFS = [
  () => `password: \${{ secrets.DB_PASSWORD }}`,
  () => `DB_PASSWORD=\${DB_PASSWORD:?required}`,
  () => `api_key = os.getenv("API_KEY")`,
  () => `secret = ENV.fetch("SESSION_SECRET")`,
  () => `password: !secret mqtt_password`,
  () => `client_secret: vault:secret/data/prod/oauth#client_secret`,
  () => `"password": { "Fn::GetAtt": ["DbSecret", "SecretString"] }`,
  () => `password = data.aws_secretsmanager_secret_version.db.secret_string`,
  () => `spring.datasource.password=\${SPRING_DATASOURCE_PASSWORD}`,
  () => `token: "{{ lookup('env', 'GITHUB_TOKEN') }}"`,
  () => `valueFrom:\n  secretKeyRef:\n    name: api-credentials\n    key: api-key`,
  () => `export AWS_SECRET_ACCESS_KEY=$(aws configure get aws_secret_access_key)`,
  () => `$password = getenv('MAIL_PASSWORD');`,
  () => `apiKey: process.env.OPENAI_API_KEY,`,
  () => `password_file = /run/secrets/postgres_password`,
  () => `key_path: ~/.ssh/id_ed25519`,
];
for (const r of REFS) N('reference', r());

// identifiers that look random but are not secrets
const uuid = () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${chars(HEX, 3)}-${chars(HEX, 12)}`;
const IDS = [
  () => `commit ${chars(HEX, 40)}\nMerge: ${chars(HEX, 7)} ${chars(HEX, 7)}\nAuthor: build-bot <ci@example.com>\n\n    Rotate keys for staging`,
  () => `{"request_id":"${uuid()}","status":"ok","elapsed_ms":${int(3, 900)}}`,
  () => `sha256:${chars(HEX, 64)}`,
  () => `SHA512 (release-${int(1, 9)}.${int(0, 20)}.${int(0, 9)}.tar.gz) = ${chars(HEX, 128)}`,
  () => `"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n"integrity": "sha512-${chars(B64, 86)}=="`,
  () => `<script src="/assets/app.js" integrity="sha384-${chars(B64, 64)}" crossorigin="anonymous"></script>`,
  () => `Content-Security-Policy: script-src 'nonce-${chars(B64, 22)}=='`,
  () => `key_id: ${uuid()}\nkey_fingerprint: SHA256:${chars(B64, 43)}`,
  () => `token_id: tok_${chars(DIG, 10)}\ntoken_last4: ${chars(DIG, 4)}`,
  () => `object: s3://backups/${new Date(1.7e12 + int(0, 3e10)).toISOString().slice(0, 10)}/${chars(HEX, 32)}.tar.zst`,
  () => `"etag":"W/\\"${chars(HEX, 40)}\\""`,
  () => `pipeline #${int(100000, 999999)} passed for ${chars(HEX, 8)} on main`,
  () => `session_id=${uuid()} user_agent="Mozilla/5.0"`,
  () => `"cursor": "${Buffer.from(JSON.stringify({ offset: int(0, 9999), ts: int(1.7e9, 1.8e9) })).toString('base64')}"`,
  () => `tx hash 0x${chars(HEX, 64)} confirmed in block ${int(1e7, 2e7)}`,
  () => `password_hash: "$argon2id$v=19$m=65536,t=3,p=4$${chars(B64, 22)}$${chars(B64, 43)}"`.replace('password_hash', pick(['checksum', 'digest'])),
  () => `Docker image digest: registry.example.com/api@sha256:${chars(HEX, 64)}`,
  () => `ssh host key fingerprint: SHA256:${chars(B64, 43)} (ED25519)`,
];
for (const f of IDS) N('id', f());

// documentation examples (marked as examples in the text)
N('docs', `Set the key in your shell, for example:\n\n    export API_KEY=your-api-key\n\nReplace \`your-api-key\` with the value from the dashboard.`);
N('docs', `# Example\naws_access_key_id = AKIA${chars(UPPER + DIG, 12)}EXAMPLE\naws_secret_access_key = ${chars(ALNUM, 12)}/EXAMPLEKEY`);
N('docs', `| Variable | Default | Description |\n|---|---|---|\n| \`DB_PASSWORD\` | *(none)* | Password of the database user |\n| \`JWT_SECRET\` | *(required)* | Secret used to sign tokens |`);
N('docs', `The \`client_secret\` parameter must be the secret issued when you registered the app; never commit it.`);
N('docs', `password:\n  type: string\n  format: password\n  description: The user's password (min 12 characters).\n  writeOnly: true`);
N('docs', `api_key (string, required): your personal API key. Keys start with \`sk-\` and are 48 characters long.`);
N('docs', `Token format: a JWT whose header is {"alg":"RS256"} and whose payload carries sub, iat and exp.`);
N('docs', `<input type="password" name="password" autocomplete="current-password" placeholder="Password" required>`);

// public material: public keys, certificates, ssh public keys, known_hosts
N('public', `-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${chars(B64, 20)}\n${b64lines(5)}\nIDAQAB\n-----END PUBLIC KEY-----`);
N('public', `-----BEGIN CERTIFICATE REQUEST-----\nMIICvDCCAaQCAQAwdzELMAkGA1UEBhMC${chars(B64, 32)}\n${b64lines(6)}\n-----END CERTIFICATE REQUEST-----`);
N('public', `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBG${chars(B64, 58)}\n${b64lines(6)}\n=${chars(B64, 4)}\n-----END PGP PUBLIC KEY BLOCK-----`);
N('public', `${host()} ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB${chars(B64, 90)}=`);
N('public', `authorized_keys:\n  - ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${chars(B64, 120)} ops@bastion`);
N('public', `{"keys":[{"kty":"RSA","kid":"${chars(HEX, 16)}","use":"sig","n":"${chars(B64URL, 120)}","e":"AQAB"}]}`);

// data that is random-looking or keyword-adjacent but not a credential
const DATA = [
  () => `<img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAB${chars(B64, 180)}=">`,
  () => `"thumbnail": "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ${chars(B64, 200)}"`,
  () => `version: ${int(1, 9)}.${int(0, 40)}.${int(0, 99)}-rc.${int(1, 9)}+build.${chars(HEX, 7)}`,
  () => `Order ${pick(['#', 'No. ', 'ID '])}${chars(UPPER, 3)}-${chars(DIG, 8)} total ${pick(['€', '$', '£'])}${int(5, 900)}.${chars(DIG, 2)} paid`,
  () => `{"usage":{"prompt_tokens":${int(100, 9000)},"completion_tokens":${int(10, 900)},"total_tokens":${int(200, 9999)}},"max_tokens":4096}`,
  () => `tokenizer: cl100k_base\ntokens_per_minute: 90000\nsecret_scanning: enabled`,
  () => `password_policy:\n  min_length: 14\n  require_digit: true\n  max_age_days: 90\n  history: 5`,
  () => `Your one-time code is ${chars(DIG, 6)}. Do not share it.`,
  () => `coupon: ${chars(UPPER + DIG, 10)} (10% off, valid until 31 Dec)`,
  () => `tracking number: 1Z${chars(UPPER + DIG, 16)}`,
  () => `keyboard_layout: de-nodeadkeys\nkey_repeat_ms: 30\nprimary_key: id`,
  () => `CREATE TABLE users (id uuid primary key, password_hash text not null, api_key_last4 char(4));`,
  () => `{"name":"${chars(LOWER, 6)}-${chars(LOWER, 5)}","secret":false,"token_count":${int(1, 500)},"key":"settings.theme"}`,
  () => `translation keys: auth.password.forgot, auth.password.reset, auth.token.expired`,
  () => `color palette: #${chars(HEX, 6)} #${chars(HEX, 6)} #${chars(HEX, 6)}; font-weight 600`,
  () => `GPG key ID: ${chars(HEX, 16).toUpperCase()} (expires ${int(2027, 2030)}-01-01)`,
  () => `Wi-Fi: network "Guest-${chars(DIG, 3)}", open, no password required`,
  () => `isbn: 978-${int(0, 1)}-${chars(DIG, 3)}-${chars(DIG, 5)}-${int(0, 9)}`,
  () => `"public_key_hash": "${chars(HEX, 40)}", "algorithm": "sha1"`,
  () => `api_version: 2024-${int(10, 12)}-0${int(1, 9)}\napi_base: https://api.example.com`,
];
for (const f of DATA) N('data', f());

// prose about credentials
const PROSE = [
  `Rotate the database password every 90 days and store it in the secrets manager, never in the repository.`,
  `If you lose your API key, revoke it in the dashboard and create a new one; old keys stop working immediately.`,
  `Das Passwort muss mindestens zwölf Zeichen lang sein und darf nicht dem Benutzernamen entsprechen.`,
  `Le mot de passe a été réinitialisé ; un lien vous a été envoyé par courriel.`,
  `La contraseña caduca cada 60 días. Puede cambiarla desde su perfil.`,
  `The token expired at 14:02 UTC, so the client requested a new one with its refresh token.`,
  `We found 3 leaked keys in the audit and rotated all of them; see the incident report INC-${int(1000, 9999)} for details.`,
  `Private keys never leave the HSM; the service only ever sees signatures.`,
];
for (const t of PROSE) N('prose', t);

// ------------------------------------------------------------------------------------------ write
const rows = [];
pos.forEach((x, i) => rows.push({ id: `challenge8-secrets-pos-${i}`, type: 'text', text: x.text, labels: ['secret'], source: SRC, meta: { generator: GEN, kind: x.kind } }));
neg.forEach((x, i) => rows.push({ id: `challenge8-secrets-neg-${i}`, type: 'text', text: x.text, labels: [], source: SRC, meta: { generator: GEN, kind: x.kind } }));
writeFileSync(new URL('../test/corpus/challenge8-secrets.jsonl', import.meta.url), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
process.stderr.write(`challenge8-secrets: ${pos.length} positive / ${neg.length} negative\n`);
