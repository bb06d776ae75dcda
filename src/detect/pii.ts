/**
 * PII detector: email, phone (libphonenumber-js), payment cards (Luhn + IIN ranges), IBAN (mod 97 +
 * country lengths), US SSN (area/group/serial rules), UK NINO, IP addresses, driver's licence / passport
 * numbers next to their label, national ids with their check digits and dates of birth next to a label in
 * several languages (LABELLED_ID_RULES, MONTH_STEMS), person names and street addresses.
 *
 * Names and addresses use heuristics that ship in this file: titles (Mr., Dr. ...), introductions
 * ("my name is", "says X"), a list of common given names from many languages with a list of common
 * surnames, organisation suffixes that veto a name ("Wayne Enterprises", "Thomas and Sons"), and street
 * patterns (number + street word, "Apt./Suite", PSC/APO military addresses, "lives at ..."). No model.
 *
 * Not PII on their own (see the corpus README): dates, URLs, titles, ages, nationalities, cities,
 * organisations, order numbers, versions, UUIDs, hashes, ISBNs, tracking numbers, prices.
 */
import { isIPv6 } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Finding, Severity, TextDetector } from './types.js';
import { buildAutomaton, type Automaton } from './secrets.js';

// ---------------------------------------------------------------------------------------------
// Word lists (lower case)

const FIRST_NAMES_SRC = `
aaron abby abdul abigail ada adam adaeze adrian adriana adrien agata agnes agnieszka ahmed aidan aiko aileen
aino aisha akira alan alba albert alberto albin alejandra alejandro aleksander aleksandra alena alessandra
alessandro alex alexa alexander alexandra alexandre alexis alfie alfred alfredo ali alice alicia alina alisha
alison allison alma alois alva alvaro amanda amelia amelie amir amy ana anastasia anders andrea andreas andrei
andrej andres andrew andrzej aneta angel angela angelica angelika angelo anika anita anja ann anna annabel
annalena anne anneli annette annika anton antoine antonia antonio anya april aria ariana arianna arne arnaud
arthur arturo astrid audrey august augusta aurora austin ava axel ayumi barbara barbora barry bart bartosz
beata beatrice beatriz bella ben benedikt benjamin bent bernard bernd bernhard bertil beth bethany betty
bianca birgit birgitta bjorn björn blanca bogdan bogusław bohumil bonnie boris bradley brandon brenda brett
brian bridget brigitte brittany bruce bruno bryan caitlin caitlyn caleb cameron camila camille carina carl
carla carlos carly carmen carol carolina caroline carsten casey cassandra catalina catherine cecilia cecilie
celia celina charles charlie charlotte chelsea cheryl chiara chloe chloé chris christian christina christine
christoph christopher cindy claire clara clarissa claudia claudio clemens colin connor conor constance cora
corinna cormac craig cristian cristina csaba cynthia dagmar dagny daisuke dalia damian damien dan dana daniel
daniela danielle daniil danuta daria dariusz darius darko david dawid dean deborah debra denis denise dennis
derek diana diane diego dieter dimitri dimitrios dirk dolores dominik dominika dominique donald donna dora
doris dorota dorothy douglas duncan dylan edgar edith edmund eduard eduardo edward edwin eero egil eileen
einar ekaterina elena eleanor eleni elias elif elin elisa elisabeth elise eliska eliška eliza elizabeth elke
ella ellen ellie elsa emil emile emilia emilie emily emma emmanuel emmie enrico enrique eric erica erik erika
erin ernst esben esperanza esteban estelle esther ethan eugen eugene eva evelyn ewa fabian fabio fabrizio
fatima federico felipe felix fernanda fernando filip filippo finn fiona florian francesca francesco francis
francisco franco francois françois frank franz frederik frida friedrich gabriel gabriela gabriele gabrielle
gareth gary gavin geir georg george georgia gerald gerard gerhard gianluca gilbert gina giorgio giovanni
giulia giuseppe gloria gordon gosia gottfried graham gregor gregory greta gudrun guðrún guillaume gunnar
gunnhildur gustav gustavo guðmundur habib hakon hana hanna hannah hannes hans harald harold harriet harry
haruka haruto hassan heather hector hedda heidi heinrich heinz helen helena helga helmut henri henrik henrique
henry herbert hermann hilda hiroshi holger howard hugo ida igor ilse ines ingrid irena irene irina iris isaac
isabel isabella isabelle ivan ivana iveta jack jacob jacqueline jade jakob jakub james jamie jan jana jane
janet janina janne janusz jaroslav jaroslava jason javier jean jeanne jeffrey jelena jennifer jens jeremy
jerzy jessica jesús jiří joakim joan joana joanna joao joão joaquim joaquin jochen joe joel johan johanna
johannes john jonas jonathan jordan jorge jose josé josef joseph josephine josefine joshua joyce jozef jožef
juan judith julia julian juliana julie julien julieta julius jurgen jürgen justin justyna jyrki kaija kai
kamil kamila karel karen karin karina karl karla karolina kasper katarina katarzyna kate katherine kathleen
kathrine kathryn katie katja katrin kayla keiko keith kelly ken kenji kenneth kerstin kevin kim kimberly
kirsten klaus kristian kristina kristof krzysztof kurt kyle lara lars laura lauren laurence laurent lea leah
lena leo leon leonardo leonie leopold lidia lilian liliana lily linda line linnea lisa liv liza lorenzo
lorraine louis louisa louise luca lucas lucia lucie lucy ludmila ludmiła ludwig luigi luis luisa luiza lukas
lukasz łukasz luke lydia madeleine madison magda magdalena magnus maja malgorzata małgorzata manon manuel
manuela marc marcel marcela marcelo marco marcus marek margaret margarete margit margrét maria mariana
marianne marie marina mario marion marius marjorie marko marlene marta martha martin martina marty marvin mary
maría mateo mateusz mathias mathilde matilda matthew matthias mattias matteo maurice max maxim maxime
maximilian megan meagan mehmet melanie melissa mercedes mette mia michael michaela michał michal michel
michelle miguel mikael mikhail miklós miko milan milena miriam miroslav mitchell mohamed mohammed monika
monique morten nadia nadine nanaho naomi natalia natalie natasha nathalie nathan nicholas nicola nicolas
nicole niels nikita nikola nikolai nikolaj nils nina noah noemi nora norbert olaf oleg olga oliver olivia
olivier ondřej oscar oskar otto pablo pálmi pamela paola pascal patricia patrick paul paula paulina pavel
pavla pawel paweł pedro per petr petra petter philip philipp philippe pierre piotr pia rachel rafael rafał
raffaele ragnar ragnhild raimund rainer ralph ramon ramón randy raphael raquel rasmus rebecca regina reinhard
renata renate rené ricardo riccardo richard rikke rita robert roberta roberto robin rodrigo roger roland rolf
roman ronald rosa rosalie rosemary ross rudolf rune ruth ryan sabina sabine sabrina sally salvatore samantha
samuel sandra sanna santiago sara sarah sasha sascha sean sebastian sebastián selma serena sergei sergey
sergio seth sharon sheila shirley sigrid silvia simon simona simone siobhan sofia sofie sonja sophia sophie
stanislav stanisław stefan stefania stefanie steffen stella stephan stephanie stephen steven stig susan
susanne suzanne svea sven svetlana sylvia sylwia takashi tamara tanja tanya tatiana teresa teodor terri terry
thea theo theresa thomas thomasz thor thorsten tiago tim timo timothy tina tobias todd tom tomas tomasz tomáš
tommaso tony torben tove tracy trine tuomas ulla ulrich ulrike ursula valentina valentin valerie valida
vanessa vera veronica veronika victoria viktor viktoria vilma vincent vincenzo viola virginia vit vítězslav
vivian vladimir vojtěch walter wanda wendy werner wiktoria wilhelm william wojciech wolfgang xavier yasmin
yuki yuito yuri yusuf yvonne zachary zbigniew zdeněk zofia zoe zoë zuzana zygmunt haruki sakura hina yui riku
sota ren minato yuto kaito hinata mio akari ichiro yoshiko wei jing li ming hui xiao jun ying yan chen lei
fang arjun aarav vivaan priya ananya rohan rahul amit sunil anil deepak pooja neha kavya raj ravi sanjay
vikram omar yousef layla fatma emre burak zeynep ayse ayşe mustafa kemal can mert deniz cem aylin olamide
chinedu ngozi kwame amara kofi abena thabo sipho lerato zanele dreux cendrillon eliane matheus vinka eustachy
dobrosław rościsław csanád jindřich mohsin favian aristóteles darijo vide mijail zizi jouni halldór hakuba
guðgeir einojuhani ushurma minik carmelo teodora dorthe kirsi pirjo sirpa tarja päivi riitta jukka pekka matti
mikko antti juha kari heikki markku ville jari sami hannu tapio seppo raimo lauri eetu aleksi onni veeti leevi
väinö aatu aada eevi enni helmi iida lilja venla inkeri kristiina jorunn solveig ingeborg sindre eirik håkon
øystein ola torunn marit bodil birthe lone hanne pernille mads jesper søren niklas mats åsa ulf leif göran
bengt lennart kjell sune ebba saga tuva stina linnéa klara elsie hjalmar agda ulrika gunhild halvard ottar
jónas sigurður ólafur kristín sigríður guðný jón gísli árni björk hekla snorri brynja unnur dóra þóra magnea
bjarni hörður rúnar sævar pétur óskar kári tómas aron hallgrímur jóhanna lárus valdís zsófia zsuzsanna zoltán
lászló istván ferenc gábor attila tamás péter sándor józsef jános imre györgy erzsébet katalin ilona éva ágnes
krisztina judit eszter réka tünde márta anikó bence balázs dániel ádám levente máté botond kristóf jarmila
vlasta božena stanislava jitka lenka markéta kateřina radek lukáš matěj vendula šárka denisa kristýna žaneta
květa ivo vladimír miloš bořivoj přemysl ladislav leoš luboš zdenka libuše miroslava ludvík bohuslav vratislav
jarmil vlastimil blažej matej peter juraj marián róbert ľubomír štefan dušan branislav rastislav mária ľudmila
katarína žofia tereza pola oliwia zuzanna alicja antoni szymon franciszek mikołaj kacper wiktor tymon grzegorz
mirosław zdzisław ryszard tadeusz kazimierz czesław bronisław jadwiga halina krystyna elżbieta grażyna bożena
wiesława jolanta ewelina patrycja weronika kinga marzena iwona urszula sławomir przemysław radosław bolesław
jarosław władysław zenon henryk maciej arkadiusz mariusz jacek artur waldemar ireneusz ignacy hubert ksawery
teofil borys gustaw tytus ludwik maksymiliancody dustin travis brandon jeffrey gregory kristen tiffany courtney erica jasmine kelsey lindsey mallory shannon tara tonya wanda
bradley shane troy marcus derrick jeremiah tristan garrett spencer trevor wesley marissa brianna kaitlyn kendra kristin kristy
kristina lacey leslie lindsay mackenzie meghan melinda miranda monica natasha paige rachael savannah shelby stacy tamara tanisha
tiana alyssa amanda andrea angie ashlee ashley autumn bailey breanna brooke candace carrie cassidy charlene cheyenne christy ciara
colleen danielle darlene deanna debbie desiree diamond dominique ebony erika gabriella gwendolyn haley hailey holly jacquelyn
jenna jill jocelyn jodi joyce kara katrina kayla kelli kirsten kristi krystal latoya laurie leah lori mandy marilyn maureen
melody mercedes misty molly morgan nichole nicole patrice peggy penny priscilla raven regina renee robyn roxanne sabrina sheila
stacey summer sydney tabitha taylor teresa toni tracey trisha valerie vanessa vickie wendy whitney yolanda zoey aiden alexis
andre antonio armando arturo blake bobby brendan brent brody calvin carl cesar chad clayton clifford cory curtis dale dalton
damon dane darrell darren darryl dave devin dominic don donovan dwayne earl eddie edwin elijah elliot emmett ernest felipe
francisco fred gabe gerardo gilbert grant hector herman isaiah ivan jaime jake jared javier jay jerome jesse jimmy jody joel
johnny jon jonah jorge jose julio kent kirk lance larry lawrence leroy lloyd lonnie lucas luis malcolm marco mario marvin
maurice micheal miguel mike milton nathaniel neil nelson nick omar orlando pedro perry phillip preston rafael ramon randall
raul ray reginald rick ricky roberto rodney rogelio ronnie ross ruben russell salvador sam sammy santiago sergio shawn sidney
stanley stephen terrance terrence theodore tommy tony travis tyrone vernon victor vincent wade wallace warren wayne wyatt
yusuke kenta shota daiki takumi ryota kazuki yuta sho hiroto haruto yamato sora kaito riku hayato yuma kouki shintarou shintaro
hiroki masato naoki satoshi tatsuya tomoya yoshiki kazuya tetsuya makoto kenichi koji shinji hideo akio yoko keiko naoko
tomoko yumiko kazuko michiko emi mai misaki nanami yuna miyu hana ayaka asuka chihiro eri haruna kana kaori mayu megumi
momoka natsuki rina saki sayaka shiori yuka yuri nijito nanako
ahmad hamza ibrahim yusuf khalid tariq bilal imran faisal karim samir nabil rashid zain aisha amina fatima khadija layla
mariam noor salma yasmin zainab hussein mahmoud mustafa abdullah osman rania leila nadia samira
sergei dmitri alexei andrei mikhail nikolai pavel vladimir yuri anatoly oksana tatiana natalia irina olga svetlana yelena
marina galina lyudmila valentina ekaterina anastasia ksenia polina
bogdana bojka borna dragan goran zoran mladen milica jelena snežana vesna mirjana nevenka tomislav zvonimir ivica
sanja tanja maja dubravka branka ljiljana
`;

const SURNAMES_SRC = `
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson taylor
moore jackson thompson harris sanchez clark ramirez lewis robinson walker allen wright scott torres nguyen flores adams nelson
baker hall rivera campbell mitchell carter roberts phillips evans turner parker collins edwards stewart morris murphy cook
rogers morgan peterson cooper reed bailey bell kelly howard ward cox richardson wood watson brooks bennett gray james hughes
price sanders myers long ross foster powell jenkins perry russell sullivan fisher henderson coleman simmons patterson
jordan reynolds hamilton graham wallace griffin west cole hayes gibson bryant ellis stevens murray ford marshall owens
mcdonald harrison kennedy wells alexander henry boyd dean duffy tolbert talbot magrath lennox allan karlsen ryan holm
müller mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schäfer koch bauer richter klein schröder
neumann schwarz zimmermann krüger hofmann hartmann lange werner krause lehmann köhler maier huber kaiser fuchs peters
hansen johansen olsen larsen andersen pedersen nielsen kristiansen jensen christensen rasmussen jørgensen poulsen madsen
johansson andersson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson jonsson lindberg
lindström lindqvist bergqvist bergström holmberg sandberg åberg ström jónsson sigurðsson guðmundsson einarsson helgadóttir
korhonen virtanen mäkinen nieminen mäkelä hämäläinen laine heikkinen koskinen järvinen lehtonen lehtinen saarinen
nowak kowalski wiśniewski wójcik kowalczyk kamiński lewandowski zieliński szymański woźniak dąbrowski kozłowski kaczmarek
dudek tomaszewski gorski górski novák svoboda novotný dvořák černý procházka kučera veselý horák holinka sedláčková
silva santos oliveira souza pereira costa rodrigues almeida nascimento lima araújo fernandes carvalho gomes martins rocha
ribeiro alves fernández gonzález rodríguez lópez martínez sánchez pérez gómez jiménez ruiz díaz moreno álvarez romero
rossi russo ferrari esposito bianchi romano colombo ricci marino greco gallo conti fiorentino lombardi moretti barbieri
dubois durand leroy moreau lefebvre fournier morel girard bonnet dupont lambert fontaine rousseau coudert joly
jansen visser smit meijer bakker mulder bos vos dekker nagy kovács tóth szabó horváth varga kiss molnár németh farkas
hajdu sato suzuki takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato hirai nishiyama wang zhang liu chen
yang huang zhao zhou patel sharma singh kumar gupta ivanov smirnov kuznetsov popov petrov sokolov volkov ibragimov
karataev abramovich usamov mann white park dale bowers wilmsen vajda schulz ström westgård latourelle petřík chloupková
gutierrez ortiz morales murillo castillo ramos reyes cruz herrera medina aguilar vargas castro mendoza guzman rojas
delgado vega soto cabrera navarro campos silva nunez salazar cortez ochoa ibarra estrada figueroa
kim park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song yoo hong
nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly
khan ali ahmed hussain rahman hassan malik iqbal qureshi chaudhry siddiqui
takahashi yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi shimizu yamazaki mori abe ikeda hashimoto
ishikawa ogawa okada goto hasegawa murakami kondo ishii saito sakamoto endo aoki fujii nishimura fukuda ota miura
fujiwara okamoto matsuda nakagawa nakano harada ono tamura takeuchi kaneko wada nakayama ishida ueda morita hara
shibata sakai kudo yokoyama miyazaki miyamoto uchida takagi ando taniguchi ohno maruyama imai takada fujita kono
asano hamaguchi traustason jerković žilih dratchev mordvinova yefremova
horvat kovačević babić marić jurić novak kovačić vuković knežević marković petrović
`;

/** Given names that are also common words, places or brands: they need a second signal. */
const AMBIGUOUS_NAMES = new Set(`
will may mark bill rose grace hope joy june april august summer autumn dawn eve faith iris ivy jade ruby amber art guy pat
sue don ray rich gene jack frank carol victor young long white brown green park mann hill king lee wolf bruno max miles dale
drew chase cole lane page reed wade sky river storm angel christian destiny hunter mason justice victoria sandy penny crystal
can per line saga rune bent ada kai ola kari ivo vit ali li yan jun jan ming wei lei fang hui jing ren mio hina sota bo gil
aurora flora stella viola gloria mercedes roman rosa olive dean constance jordan georgia florence paris sydney chelsea
lorraine madison austin jackson lincoln charlotte santiago regina virginia carolina adelaide nancy elizabeth eugene troy
tyler salvatore israel india china may mercedes lotus harmony melody liberty serenity trinity unity felix leo major baker
cook carter miller taylor tanner parker porter turner walker ward wood fisher hunter rider archer price hall stone
march tuesday sunday monday norma nova luna sol sun star sunny happy honey candy cherry daisy lily poppy violet heather
holly hazel ash aspen birch laurel willow basil sage rosemary olive pearl opal ruby diamond crystal jewel gem
bella belle dolores pia era nika mina lara ella else ida adele alma ann anne ana eva per pal dan ben
`.split(/\s+/).filter(Boolean));

/** Capitalised words that are never the start of a person's name. */
const NOT_NAME = new Set(`
the a an and or but if of in on at to for from by with as is are was were be been it its this that these those there
here i me my we our you your he she they them his her their who what when where why how which not no yes all any
some each every both few more most other such only own same so than too very just also mr mrs ms dr prof sir
monday tuesday wednesday thursday friday saturday sunday january february march april june july august september october
november december today tomorrow yesterday please thanks thank hello hi hey dear regards best cheers sincerely
street st avenue ave road rd lane drive court suite apt apartment unit box po floor building north south east west
inc llc ltd corp co company group gmbh ag sa plc bank university college school hospital church city county state
america american europe european asia asian africa african english french german spanish italian russian chinese
japanese polish dutch danish swedish norwegian finnish icelandic czech hungarian portuguese brazilian canadian
australian mexican indian irish scottish welsh british greek turkish arab arabic jewish muslim christian catholic
usa uk eu un nato god lord jesus allah internet web email phone mobile fax desk office home work order invoice account
bot user assistant system admin customer client manager director ceo cto cfo president team support service
agent operator moderator host settings unsubscribe privacy policy terms
i'm i've i'll i'd it's that's what's let's there's he's she's we're you're they're isn't don't can't won't
title mission statement personal info website address name note summary description energetic capitalized
`.split(/\s+/).filter(Boolean));

/** Countries, regions and big cities (a capitalised word from this list is a place, not a person). */
const PLACES = new Set(`
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain bangladesh
barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burundi cambodia cameroon
canada chad chile china colombia congo croatia cuba cyprus czech czechia denmark djibouti dominica ecuador egypt
england estonia ethiopia fiji finland france gabon gambia georgia germany ghana greece greenland grenada guatemala guinea
guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya
korea kosovo kuwait laos latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi
malaysia maldives mali malta mauritius mexico moldova monaco mongolia montenegro morocco mozambique myanmar namibia nepal
netherlands holland nicaragua niger nigeria norway oman pakistan panama paraguay peru philippines poland portugal qatar
romania russia rwanda samoa scotland senegal serbia singapore slovakia slovenia somalia spain sudan suriname sweden
switzerland syria taiwan tajikistan tanzania thailand togo tonga tunisia turkey uganda ukraine uruguay uzbekistan
vanuatu venezuela vietnam wales yemen zambia zimbabwe london paris berlin madrid rome vienna prague warsaw budapest
amsterdam brussels copenhagen stockholm oslo helsinki reykjavik dublin lisbon athens moscow tokyo beijing shanghai
sydney melbourne toronto montreal vancouver chicago boston seattle miami dallas houston denver atlanta phoenix
california texas florida york new los angeles san francisco washington zealand africa kingdom republic united states
`.split(/\s+/).filter(Boolean));

const ORG_SUFFIX_RE = /^(?:Inc|Inc\.|LLC|Ltd|Ltd\.|Corp|Corp\.|Corporation|Co|Co\.|Company|Group|GmbH|AG|SA|S\.A\.|PLC|Plc|LLP|LP|Industries|Enterprises|Labs|Laboratories|Systems|Solutions|Technologies|Technology|Tech|Software|Partners|Associates|Sons|Brothers|Bros|Holdings|Capital|Consulting|Research|Media|Studios|Studio|Foundation|Institute|University|College|Bank|Insurance|Agency|Services|Networks|Ventures|Motors|Airlines|Pharma|Pharmaceuticals|Global|International|Worldwide|Limited|Trust|Fund|Records|Entertainment|Publishing|Press|Club|Hotel|Restaurant|Cafe|Café|Street|Avenue|Road|Park|Square|Bridge|River|Lake|Mountain|Island|Museum|Theatre|Theater|Center|Centre|Hospital|School|Church|Cathedral|Airport|Station|Express|Times|Post|News|Journal|Magazine|Review|Weekly|Daily|Online|Cloud|Web|Data|Analytics|Health|Energy|Foods|Logistics|Robotics|Dynamics|Electronics|Digital|Interactive|Games|Design|Devices)$/;

/** The same words as a Set (exact-case lookups are much cheaper than the regex per token). */
const ORG_SUFFIX_SET = new Set(ORG_SUFFIX_RE.source.slice(4, -2).split('|').map((w) => w.replace(/\\/g, '')));

function wordSet(src: string): Set<string> {
  return new Set(src.split(/\s+/).filter(Boolean).map((w) => w.toLowerCase()));
}
const FIRST_NAMES = wordSet(FIRST_NAMES_SRC);
const SURNAMES = wordSet(SURNAMES_SRC);
for (const n of FIRST_NAMES) NOT_NAME.delete(n);

// ---------------------------------------------------------------------------------------------
// Finding construction

function mk(kind: string, start: number, end: number, score: number, severity: Severity = 'medium', message?: string): Finding {
  return { category: 'pii', detector: `pii.${kind}`, severity, score, start, end, label: kind, message: message ?? kind.replace(/-/g, ' ') };
}

// ---------------------------------------------------------------------------------------------
// Email

const EMAIL_LOCAL = /[A-Za-z0-9._%+\-']/;
const EMAIL_DOMAIN_RE = /[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

/** `git@github.com:owner/repo.git`: `host:path` right after the address makes it an SSH / scp remote, not a mailbox. */
function scpRemote(text: string, end: number): boolean {
  return text.charCodeAt(end) === 58 && /^:[\w.~-]{1,100}\//.test(text.slice(end, end + 102));
}

export function findEmails(text: string, out: Finding[]): void {
  let at = text.indexOf('@');
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && EMAIL_LOCAL.test(text[s - 1]!)) s--;
    // local part must not start with a dot
    while (s < at && (text[s] === '.' || text[s] === "'")) s++;
    if (s < at) {
      EMAIL_DOMAIN_RE.lastIndex = at + 1;
      const m = EMAIL_DOMAIN_RE.exec(text);
      if (m) {
        const local = text.slice(s, at);
        const domain = m[0];
        const prev = s > 0 ? text[s - 1] : '';
        // npm / docker style `name@version` and `@scope/pkg` are not emails; neither is `user@host` without a TLD
        const ok = !/^\d+(?:\.\d+)*$/.test(local) && prev !== '/' && !/\.(?:png|jpe?g|gif|svg|webp)$/i.test(domain) && !scpRemote(text, at + 1 + domain.length);
        if (ok) out.push(mk('email', s, at + 1 + domain.length, 0.95, 'medium', 'email address'));
        at = text.indexOf('@', at + 1 + domain.length);
        continue;
      }
    }
    at = text.indexOf('@', at + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// One pass over the text, shared by the finders below: the maximal digit runs (what `/\d+/g` finds),
// the word-initial upper-case candidates (what UPPER_CAND_RE finds) and a few flags. The finders use them
// as necessary conditions (a finder whose pattern cannot match is skipped) or iterate them in place of a
// global regex over the whole text. detectPii is synchronous and not re-entrant, so module state is safe.

let RUN_S = new Int32Array(32);
let RUN_E = new Int32Array(32);
let runCount = 0;
let UP_S = new Int32Array(64);
let upCount = 0;
let digitCount = 0;
/** The text has an `@`. */
let sawAt = false;
/** The text matches HAS_UPPER_RE `[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f]`. */
let sawUpper = false;
/** Some `:` has `:` after it, or a hex digit on both sides (the IPv6 hint). */
let sawV6Hint = false;

/**
 * Character classes for scanText, one byte per UTF-16 code unit: 1 = UPPER_CAND_RE's look-behind class
 * [0-9_A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff], 2 = its candidate class [A-Z\u00c0-\u00de\u0100-\u1fff],
 * 4 = a digit, 8 = HAS_UPPER_RE's class [A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f], 16 = `@`,
 * 32 = `:`. A table lookup per character is much cheaper than the branches it replaces.
 */
const SCAN_CLASS = new Uint8Array(0x10000);
for (let c = 48; c <= 57; c++) SCAN_CLASS[c] = 1 | 4;
for (let c = 65; c <= 90; c++) SCAN_CLASS[c] = 1 | 2 | 8;
for (let c = 97; c <= 122; c++) SCAN_CLASS[c] = 1;
SCAN_CLASS[95] = 1;
SCAN_CLASS[64] = 16;
SCAN_CLASS[58] = 32;
for (let c = 0xc0; c <= 0x1fff; c++) {
  let f = c === 0xd7 || c === 0xf7 ? 0 : 1 | 64;
  if (c <= 0xde || c >= 0x100) f |= 2;
  if ((c <= 0xde && c !== 0xd7) || (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f)) f |= 8;
  const ch = String.fromCharCode(c);
  if (ch !== ch.toLowerCase() && ch === ch.toUpperCase()) f |= 128;
  SCAN_CLASS[c] = f;
}
// 64 = NAME_REST_RE's class [A-Za-z'\u2019\-\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff], 128 = isUpperAt
for (let c = 65; c <= 90; c++) SCAN_CLASS[c] = SCAN_CLASS[c]! | 64 | 128;
for (let c = 97; c <= 122; c++) SCAN_CLASS[c] = SCAN_CLASS[c]! | 64;
for (const c of [39, 0x2019, 45]) SCAN_CLASS[c] = SCAN_CLASS[c]! | 64;

/** (end, state) pairs of label-automaton hits from scanText (scratch, reused). */
let LHITS = new Int32Array(1024);
let lhitCount = 0;

function scanText(text: string): void {
  const n = text.length;
  // room for every run (at most one per two characters) and candidate, so the loop needs no bounds checks;
  // buffers grown for a huge text are dropped again at the next small one
  if (RUN_S.length < (n >> 1) + 2 || (RUN_S.length > 1 << 16 && n < 1 << 14)) {
    RUN_S = new Int32Array((n >> 1) + 34);
    RUN_E = new Int32Array((n >> 1) + 34);
  }
  if (UP_S.length < n + 1 || (UP_S.length > 1 << 16 && n < 1 << 14)) UP_S = new Int32Array(n + 65);
  const runS = RUN_S;
  const runE = RUN_E;
  const upS = UP_S;
  let runs = 0;
  let ups = 0;
  let flags = 0;
  // the previous code unit's class (0 before the text: not a word character, not a digit); branches are
  // taken only on a change between digit and non-digit and on a candidate, so the loop is nearly branch-free
  let pf = 0;
  // the label automaton (identity-number labels) steps in the same pass; its hits are kept as (end, state)
  if (LHITS.length < 2 * n + 2 || (LHITS.length > 1 << 17 && n < 1 << 14)) LHITS = new Int32Array(2 * n + 66);
  const lhits = LHITS;
  let nh = 0;
  const lcls = L_CLS;
  const ltable = L_TABLE;
  const laccept = L_ACCEPT;
  let ls = L_START;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    ls = ltable[ls + lcls[code]!]!;
    if (ls >= laccept) {
      lhits[nh++] = i;
      lhits[nh++] = ls;
    }
    const f = SCAN_CLASS[code]!;
    if (((f ^ pf) & 4) !== 0) {
      if ((f & 4) !== 0) runS[runs] = i;
      else runE[runs++] = i;
    }
    // a candidate (2) not right after a look-behind class character (1, shifted onto 2)
    if ((f & ~(pf << 1) & 2) !== 0) upS[ups++] = i;
    flags |= f;
    pf = f;
  }
  if ((pf & 4) !== 0) runE[runs++] = n;
  runCount = runs;
  upCount = ups;
  lhitCount = nh;
  let nd = 0;
  for (let r = 0; r < runCount; r++) nd += RUN_E[r]! - RUN_S[r]!;
  digitCount = nd;
  sawAt = (flags & 16) !== 0;
  sawUpper = (flags & 8) !== 0;
  let v6 = false;
  if ((flags & 32) !== 0) {
    // [0-9A-Fa-f]:[0-9A-Fa-f:] or :: somewhere
    for (let c = text.indexOf(':'); c >= 0 && !v6; c = text.indexOf(':', c + 1)) {
      const nx = c + 1 < n ? text.charCodeAt(c + 1) : -1;
      if (nx === 58 || (c > 0 && isHexCode(text.charCodeAt(c - 1)) && isHexCode(nx))) v6 = true;
    }
  }
  sawV6Hint = v6;
}

function isAsciiUpperCode(c: number): boolean {
  return c >= 65 && c <= 90;
}

/**
 * Necessary for a finding of findNumbers: a NUM_RE match with 5+ digits, or 4 in an IPv4 address (4 runs).
 * A match's digits lie within 32 characters (`\d[\d \-.()/]{3,30}\d`) or form one run (`\d{4,}`), so some
 * runs no more than 30 characters apart (inner edges) must hold 5+ digits in all, or be 4 or more.
 */
function numbersPossible(): boolean {
  let lo = 0;
  let sum = 0;
  for (let r = 0; r < runCount; r++) {
    sum += RUN_E[r]! - RUN_S[r]!;
    while (lo < r && RUN_S[r]! - RUN_E[lo]! > 30) {
      sum -= RUN_E[lo]! - RUN_S[lo]!;
      lo++;
    }
    if (sum >= 5 || r - lo >= 3) return true;
  }
  return false;
}

/** Necessary for IBAN_RE: a digit run of 2+ right after two ASCII letters (`[A-Za-z]{2}\d{2}`). */
function ibanPossible(text: string): boolean {
  for (let r = 0; r < runCount; r++) {
    const s = RUN_S[r]!;
    if (s >= 2 && RUN_E[r]! - s >= 2 && isAsciiLetterCode(text.charCodeAt(s - 1)) && isAsciiLetterCode(text.charCodeAt(s - 2))) return true;
  }
  return false;
}
/** Necessary for NINO_RE: a digit run of 2+ right after `[A-Z][A-Z]` or `[A-Z][A-Z] `. */
function ninoPossible(text: string): boolean {
  for (let r = 0; r < runCount; r++) {
    const s = RUN_S[r]!;
    if (RUN_E[r]! - s < 2 || s < 2) continue;
    let k = s - 1;
    if (text.charCodeAt(k) === 32) k--;
    if (k >= 1 && isAsciiUpperCode(text.charCodeAt(k)) && isAsciiUpperCode(text.charCodeAt(k - 1))) return true;
  }
  return false;
}
function isIdCode(c: number): boolean {
  return isAsciiLetterCode(c) || (c >= 48 && c <= 57) || c === 45;
}
/**
 * Necessary for LABELLED_ID_RE (`[A-Z]{1,3}[0-9][A-Z0-9-]{3,18}`, case-insensitive): a digit run right after an
 * ASCII letter, with three characters of [A-Za-z0-9-] after its first digit.
 */
function letterBeforeDigits(text: string): boolean {
  for (let r = 0; r < runCount; r++) {
    const s = RUN_S[r]!;
    if (s >= 1 && isAsciiLetterCode(text.charCodeAt(s - 1)) && isIdCode(text.charCodeAt(s + 1)) && isIdCode(text.charCodeAt(s + 2)) && isIdCode(text.charCodeAt(s + 3))) return true;
  }
  return false;
}
/** Necessary for MILITARY_RE (every branch ends in `\s+\d{3,5}`): a digit run of 3+ right after white space. */
function spacedLongRun(text: string): boolean {
  for (let r = 0; r < runCount; r++) {
    const s = RUN_S[r]!;
    if (s >= 1 && RUN_E[r]! - s >= 3 && isSpaceCode(text.charCodeAt(s - 1))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Numbers: cards, IBAN, SSN, phones, IPs

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let alt = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (alt) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    alt = !alt;
  }
  return sum % 10 === 0;
}

/** Issuer identification ranges of the major card networks, with their lengths. */
export function cardNetwork(d: string): string | undefined {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if ((p4 === 2131 || p4 === 1800) && n === 15) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p3 === 309) && n >= 14 && n <= 19) return 'diners';
  if (p2 === 62 && n >= 16 && n <= 19) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12 && n <= 19) return 'maestro';
  if (p4 >= 2200 && p4 <= 2204 && n === 16) return 'mir';
  return undefined;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31,
  SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, LY: 25, SD: 18, BI: 27,
  DJ: 27, RU: 33, SO: 23, NI: 28, MN: 20, FK: 18, OM: 23, YE: 30,
};

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/[\s-]/g, '').toUpperCase();
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (!len || s.length !== len) return false;
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let mod = 0;
  for (const ch of r) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? String(c - 55) : ch;
    for (const dch of v) mod = (mod * 10 + (dch.charCodeAt(0) - 48)) % 97;
  }
  return mod === 1;
}

export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  // Well-known invalid / advertising numbers
  if (`${area}${group}${serial}` === '078051120' || `${area}${group}${serial}` === '219099999' || `${area}${group}${serial}` === '123456789') return false;
  return true;
}

const NINO_RE = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])\b/g;
function findNino(text: string, out: Finding[]): void {
  NINO_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NINO_RE.exec(text)) !== null) {
    const pre = m[1]!;
    if (/^(?:BG|GB|NK|KN|TN|NT|ZZ)$/.test(pre)) continue;
    const ctx = text.slice(Math.max(0, m.index - 60), m.index).toLowerCase();
    const compact = !m[0].includes(' ');
    if (compact && !/national insurance|\bnino\b|\bni\b|insurance (?:no|number)/.test(ctx)) continue;
    out.push(mk('uk-nino', m.index, m.index + m[0].length, 0.85, 'medium', 'UK National Insurance number'));
  }
}

/** Numeric candidates: digit groups with common separators, optional leading + or (. */
const NUM_RE = /[+(]?\d[\d \-.()/]{3,30}\d|\d{4,}/g;

const PHONE_CUE_BEFORE = /(?:phone|tel|telephone|telefon|t[ée]l[ée]phone|tel[ée]fono|telefone|handy|mobil|m[óo]vil|celular|cellulare|portable|mobile|cell|fax|desk|office|call(?:ing)?|ring|sms|text(?: me)?|whats ?app|contact|reach(?: me)?|messages? to|answering at|dial(?:ed)?|number|no\.|nr\.?|hotline|helpline|landline|direct)\b[^\d\n]{0,20}$/i;
const PHONE_CUE_AFTER = /^[ \t]{0,3}(?:\(?(?:office|fax|mobile|cell|home|work|desk|tel|phone|direct)\)?)\b/i;
const NOT_PHONE_CUE = /(?:order|invoice|rechnung|bestellung|auftrag|lieferschein|kundennummer|commande|facture|pedido|factura|albar[aá]n|fattura|ordine|bestelling|factuur|zam[oó]wienie|faktura|encomenda|fatura|batch|isbn|sku|tracking|ticket|issue|pr|build|version|v|id|ref|reference|item|items|account|acct|card|iban|ssn|zip|postal|code|po|pin|otp|serial|model|part|page|line|lines|step|room|flight|route)\s*(?:#|no\.?|number|nr\.?|:)?\s*$/i;

const FIVE_PAIRS_RE = /^0[1-9]([ .-])\d{2}(?:\1\d{2}){3}$/;

function phoneScore(cand: string, before: string, after: string): number {
  const digits = cand.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return 0;
  const grouped = /[ \-.()]/.test(cand);
  // every non-zero score below needs a leading +, grouping (the NANP format is grouped), or 9 to 12 digits
  // starting with 0: without them the checks (and cue regexes) cannot change the answer
  if (!grouped && cand.charCodeAt(0) !== 43 && !(digits.length >= 9 && digits.length <= 12 && digits.charCodeAt(0) === 48)) return 0;
  if (/^\d{4}-\d{2}-\d{2}/.test(cand) || /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/.test(cand) || /\d{1,2}:\d{2}/.test(cand)) return 0;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(cand)) return 0; // IPv4
  if (cand.includes('/')) return 0;
  // a national number in five pairs with one separator (FR / BE / MA style `06 14 18 78 29`, `06.14.18.78.29`)
  const pairs = FIVE_PAIRS_RE.test(cand);
  if (/\./.test(cand) && !pairs && !/^\+?\(?\d{2,4}\)?\.\d{3}\.\d{3,4}$/.test(cand)) return 0; // versions, decimals
  if (/[#$€£]$/.test(before) || /^\s*(?:%|kg|g|cm|mm|km|ms|s\b|items|x\b|px)/.test(after)) return 0;
  if (NOT_PHONE_CUE.test(before)) return 0;
  const cue = PHONE_CUE_BEFORE.test(before) || PHONE_CUE_AFTER.test(after);
  if (cand.startsWith('+')) {
    const p = parsePhoneNumberFromString(cand.replace(/\(0\)/, ''));
    if (p && p.isPossible()) return cue ? 0.95 : 0.85;
    return cue ? 0.7 : 0;
  }
  // US / NANP formats
  if (/^(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}$/.test(cand)) {
    const p = parsePhoneNumberFromString(cand, 'US');
    if (p && p.isValid()) return cue ? 0.95 : 0.8;
  }
  if (cue && grouped) return 0.75;
  if (pairs) return 0.7;
  if (cue && digits.length >= 9 && digits.length <= 12 && digits[0] === '0') return 0.7;
  return 0;
}

const IPV4_RE = /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\w.]|\.\d)/y;

/**
 * A dotted quad that starts or ends a version range ("upgraded nginx from 1.24.0 to 1.25.3.1", "bump 2.3.1.0 -> 2.4.0.0"):
 * a range marker right before it, and a version verb or a two/three-part version before that.
 */
function versionRange(before: string, after: string): boolean {
  const verb = /\b(?:upgrad|downgrad|bump|updat|releas|migrat)\w*\b/i;
  // the start of a range after a version verb ("bumped agent 2.3.1.0 -> 2.4.0.1")
  if (/^\s*(?:to|->|→|=>)\s*v?\d{1,4}\.\d/i.test(after) && verb.test(before)) return true;
  if (!/(?:\bto|->|→|=>)\s*v?$/i.test(before)) return false;
  return /\b(?:upgrad|downgrad|bump|updat|releas|migrat)\w*\b/i.test(before) || /(?:^|[^\d.])v?\d{1,4}\.\d{1,4}(?:\.\d{1,4})?(?:[-+][\w.]+)?\s+(?:to|->|→|=>)\s*v?$/i.test(before);
}

function findNumbers(text: string, out: Finding[]): void {
  NUM_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NUM_RE.exec(text)) !== null) {
    let cand = m[0];
    let start = m.index;
    // trim trailing separators / unmatched parens (NUM_RE matches end in a digit: usually nothing to trim)
    const lastCode = cand.charCodeAt(cand.length - 1);
    if (!(lastCode >= 48 && lastCode <= 57)) cand = cand.replace(/[\s\-.(/]+$/, '');
    if (cand.endsWith(')') && !cand.includes('(')) cand = cand.slice(0, -1);
    if (cand.startsWith('(') && !cand.includes(')')) {
      cand = cand.slice(1);
      start++;
    }
    const end = start + cand.length;
    const prevCode = start > 0 ? text.charCodeAt(start - 1) : -1;
    const nextCode = end < text.length ? text.charCodeAt(end) : -1;
    const c0 = cand.charCodeAt(0);
    if ((isAsciiLetterCode(prevCode) || prevCode === 95) && c0 !== 43 && c0 !== 40) {
      // part of an identifier (SKU H1479-52, worker-3, v2.14.9)
      continue;
    }
    if (isAsciiLetterCode(nextCode) && nextCode !== 120 && nextCode !== 88) continue; // a letter other than x / X
    let nd = 0;
    let dots = 0;
    for (let k = 0; k < cand.length; k++) {
      const d = cand.charCodeAt(k);
      if (d >= 48 && d <= 57) nd++;
      else if (d === 46) dots++;
    }
    if (nd < 4) continue; // nothing below is shorter (IPv4 has at least 4 digits)
    // with 4 digits only an IPv4 address (three dots) can qualify: SSNs have 9, labelled numbers 5+, cards 12+, phones 7+
    if (nd === 4 && dots !== 3) continue;
    const digits = nd === cand.length ? cand : cand.replace(/\D/g, '');
    const before = text.slice(Math.max(0, start - 40), start);
    const after = text.slice(end, end + 20);

    // IPv4
    if (dots === 3 && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(cand)) {
      IPV4_RE.lastIndex = start;
      if (IPV4_RE.exec(text) && !/(?:version|ver\.?|v|release|build|firmware|oid|snmp)\s*$/i.test(before) && !versionRange(before, after)) {
        const first = Number(cand.split('.')[0]);
        const loop = first === 127 || cand === '0.0.0.0' || cand === '255.255.255.255';
        out.push(mk('ip', start, end, loop ? 0.4 : 0.85, loop ? 'low' : 'medium', 'IP address'));
      }
      continue;
    }
    // SSN
    const ssn = cand.length !== 11 ? null : /^(\d{3})-(\d{2})-(\d{4})$/.exec(cand) ?? /^(\d{3}) (\d{2}) (\d{4})$/.exec(cand);
    if (ssn) {
      if (ssnValid(ssn[1]!, ssn[2]!, ssn[3]!) && !/(?:isbn|order|phone|tel|fax)\W*$/i.test(before)) {
        out.push(mk('ssn', start, end, /ssn|social security/i.test(before) ? 0.95 : 0.75, 'high', 'US Social Security number'));
        continue;
      }
    }
    if (nd === 9 && cand.length === 9 && /\b(?:ssn|social security(?: number| no\.?)?|ss#)\W{0,5}(?:is\W*)?$/i.test(before)) {
      if (ssnValid(cand.slice(0, 3), cand.slice(3, 5), cand.slice(5))) {
        out.push(mk('ssn', start, end, 0.9, 'high', 'US Social Security number'));
        continue;
      }
    }
    // Driver's licence / passport / bank numbers next to their label
    if (digits.length >= 5 && /(?:licen[cs]e|\bDL)\s*(?:number|no\.?|#)?\s*(?:is|:)?\s*$/i.test(before) && /(?:driver'?s?|driving)\s+licen|\bDL/i.test(before)) {
      out.push(mk('driver-license', start, end, 0.85, 'medium', "driver's licence number"));
      continue;
    }
    if (digits.length >= 6 && /(?:passport|account|routing|tax id|tin|national id|id card|personal id|medicare|medical record)(?: number| no\.?| #)?(?: is|:)? *$/i.test(before) && !/order|invoice/i.test(before)) {
      out.push(mk('national-id', start, end, 0.8, 'medium', 'identity or account number'));
      continue;
    }
    // Payment cards
    if (digits.length >= 12 && digits.length <= 19 && /^\d+(?:[ -]\d+)*$/.test(cand)) {
      const groups = cand.split(/[ -]/);
      const plausibleGrouping = groups.length === 1 || groups.every((g) => g.length >= 3 && g.length <= 6);
      if (plausibleGrouping && luhnValid(digits) && cardNetwork(digits) && !/(?:isbn|order|tracking|invoice|serial|imei)\W*(?:number|no\.?|#)?\W*$|\bs\/?n\W*$/i.test(before)) {
        const cardCue = /card|visa|mastercard|amex|cc\b|credit|debit|payment|pay with|charged/i.test(before);
        out.push(mk('credit-card', start, end, cardCue ? 0.95 : 0.85, 'high', 'payment card number'));
        continue;
      }
      if (groups.length === 1 && digits.length >= 13 && digits.length <= 19 && /card|cc\b|credit|debit/i.test(before)) {
        out.push(mk('credit-card', start, end, 0.6, 'medium', 'payment card number (no checksum)'));
        continue;
      }
    }
    // Phones (not the digits of a code such as `XJ-9000-4455-21`)
    if (start >= 2 && text.charCodeAt(start - 1) === 45 && isAsciiLetterCode(text.charCodeAt(start - 2))) continue;
    const ps = nd >= 7 && nd <= 15 ? phoneScore(cand, before, after) : 0; // phoneScore needs 7 to 15 digits
    if (ps > 0) {
      // extension: 345-899-3560x4587
      let e = end;
      const ext = /^(?:\s?(?:x|ext\.?|#)\s?\d{1,6})/i.exec(text.slice(end, end + 12));
      if (ext) e = end + ext[0].length;
      out.push(mk('phone', start, e, ps, ps >= 0.6 ? 'medium' : 'low', 'phone number'));
    }
  }
}

const IBAN_RE = /\b([A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?)\b/g;
function findIbans(text: string, out: Finding[]): void {
  IBAN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN_RE.exec(text)) !== null) {
    let cand = m[1]!;
    // shrink from the right until it validates (bounded: a few tries)
    for (let k = 0; k < 3 && cand.length >= 15; k++) {
      if (ibanValid(cand)) {
        out.push(mk('iban', m.index, m.index + cand.length, 0.95, 'high', 'IBAN'));
        break;
      }
      const sp = cand.lastIndexOf(' ');
      if (sp < 0) break;
      cand = cand.slice(0, sp);
    }
  }
}

const IPV6_CAND_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::)[0-9A-Fa-f:.]{2,45}(?![\w:])/y;
function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
/**
 * IPv6 candidates, driven by the colons. A match of IPV6_CAND_RE starts with `h{1,4}:` or `::` and is not
 * preceded by [\w:.], so for each colon c it can only start at the beginning of the hex run right before c
 * (1 to 4 characters long) or, for `::`, at c itself; a start inside a longer run is preceded by a hex
 * character. Trying the sticky regex at those starts, left to right and resuming after each match, finds
 * exactly the matches of the same regex run globally, without the engine stopping at every hex letter.
 */
function findIpv6(text: string, out: Finding[]): void {
  // the caller checks the hint (sawV6Hint): [0-9A-Fa-f]:[0-9A-Fa-f:] or :: somewhere
  let from = 0;
  for (let c = text.indexOf(':'); c >= 0; c = text.indexOf(':', Math.max(c + 1, from))) {
    let k = 0;
    while (k < 5 && c - k > 0 && isHexCode(text.charCodeAt(c - k - 1))) k++;
    let m: RegExpExecArray | null = null;
    let p = c - k;
    if (k >= 1 && k <= 4 && p >= from) {
      IPV6_CAND_RE.lastIndex = p;
      m = IPV6_CAND_RE.exec(text);
    }
    if (!m && c >= from && text.charCodeAt(c + 1) === 58) {
      p = c;
      IPV6_CAND_RE.lastIndex = p;
      m = IPV6_CAND_RE.exec(text);
    }
    if (!m) continue;
    from = p + m[0].length;
    const cand = m[0].replace(/[.:]+$/, (x) => (x === '::' ? x : ''));
    if ((cand.match(/:/g) ?? []).length < 2) continue;
    if (!/[0-9a-f]{2}/i.test(cand.replace(/:/g, ''))) continue;
    if (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(cand)) continue; // times
    if (!isIPv6(cand)) continue;
    const loop = cand === '::1' || cand === '::';
    out.push(mk('ip', p, p + cand.length, loop ? 0.4 : 0.85, loop ? 'low' : 'medium', 'IP address'));
  }
}

// ---------------------------------------------------------------------------------------------
// Person names

const TITLE_RE_SRC = /^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Lady|Lord|Rev|Fr|Sr|Sra|Srta|Herr|Frau|Mme|Mlle|Madam|Madame|Señor|Señora|Signor|Signora|Capt|Captain|Sgt|Lt|Col|Gen|Judge|Justice|Hon|Officer|Detective|Nurse|Coach|Uncle|Aunt|Aunty|Grandma|Grandpa)$/;
const TITLE_SET = new Set(TITLE_RE_SRC.source.slice(4, -2).split('|'));
const TITLE_RE = { test: (w: string): boolean => TITLE_SET.has(w) };

const CUE_BEFORE_RE = /(?:^|[^a-z])(?:your name\?|the name\?|named (?:him|her|them|it)|my name is|my name's|name is|names? are|i am|i'm|this is|call me|calls me|called|named|name on the account(?: is)?|account holder(?: is)?|user:|customer:|client:|patient:|employee:|applicant:|candidate:|name:|(?:under|listed under)(?: my| the| his| her)?(?: partner's| wife's| husband's| mother's| father's)? name|it's under|it is under|change it to|correct it to|says|said|according to|ed by|not by|starring|featuring|feat\.|dear|hi|hello|hey|thanks|thank you|regards,|sincerely,|cheers,|assistant to|player|singer|songwriter|commenter|author|writer|actor|actress|director|ceo|founder|president|colleague|friend|partner|wife|husband|son|daughter|kid|child|brother|sister|mother|father|mom|dad|uncle|aunt|cousin|nephew|niece|boss|including|add|remove|follow up with|heard|ask|tell|contact|ping|signed|maiden name is|had given|has given|given|ex-\w+|attn:?|c\/o|to:|from:|cc:|employee|manager|agent|technician|doctor|nurse|lawyer|teacher|student|patient|spouse|fiancée?|girlfriend|boyfriend|grandson|granddaughter|neighbou?r|landlord|tenant|visitor|guest|driver|owner|(?:passenger|tenant|cardholder|card holder|traveller|traveler|guardian|spouse|next of kin):)\s*$/i;
const CUE_AFTER_RE_SRC = /(?:'s\s+\p{Lu}|’s\s+\p{Lu}| (?:says|said|wrote|writes|told|tells|asked|asks|replied|answered|lives|lived|listed (?:his|her|their)|spent a year|had given|has given|points out|pointed out|just has|will be talking|is very|was a huge|was influenced|was born|is married|is a (?:very|great|good)|speak yet|concert|novel|album|fan\b|version recorded|(?:from|of) [\p{Lu}\d][\w ]{1,40} is the (?:keynote|[Cc][Ee][Oo]|[Cc][Tt][Oo]|founder|president|head|chair)))/u;
const CUE_AFTER_STICKY = new RegExp(CUE_AFTER_RE_SRC.source, 'uy');
const CUE_AFTER_RE = new RegExp('^' + CUE_AFTER_RE_SRC.source, 'u');
const ORG_AFTER_RE = /^(?:,\s*\p{Lu}[\p{L}'’-]+)?,?\s+(?:and|&)\s+(?:Sons|Co\.?|Company|Partners|Associates|Brothers|Daughters|Friends)\b/u;
const LAW_FIRM_RE = /^\p{Lu}[\p{L}'’-]+,\s+\p{Lu}[\p{L}'’-]+,?\s+(?:and|&)\s+\p{Lu}[\p{L}'’-]+/u;

const PARTICLE_GAP_RE = /^ (?:van|von|de|da|del|della|di|du|le|la|bin|binti|al|el|ten|ter|der|den|dos|das|do|y|zu|af|av) (?:(?:de|der|den|la) )?$/;

/** Surname-shaped endings common across European languages. */
const SURNAME_SUFFIX_RE = /(?:ova|ová|ovà|eva|ovic|ovich|evich|ević|ović|ić|sson|ssen|dóttir|dottir|ski|ska|sky|skaya|wicz|ewicz|enko|chuk|escu|opoulos|akis|idis|oglu|oğlu|shvili|stein|ström|strom|qvist|kvist|inen|ainen|czyk|czak|owski|ewski)$/;

type Sig = 'first' | 'ambiguous' | 'surname' | 'none' | 'stop';
const SURNAME_SUFFIXES = new Set(SURNAME_SUFFIX_RE.source.slice(3, -2).split('|'));
function hasSurnameSuffix(l: string): boolean {
  for (let k = 2; k <= 7 && k < l.length; k++) if (SURNAME_SUFFIXES.has(l.slice(l.length - k))) return true;
  return false;
}

function isInitial(w: string): boolean {
  return /^\p{Lu}$/u.test(w);
}

const SIG_CACHE = new Map<string, Sig>();
function nameSignal(w: string): Sig {
  const hit = SIG_CACHE.get(w);
  if (hit !== undefined) return hit;
  const sig = nameSignalUncached(w);
  if (SIG_CACHE.size > 50000) SIG_CACHE.clear(); // bounded memory
  SIG_CACHE.set(w, sig);
  return sig;
}
function nameSignalUncached(w: string): Sig {
  const l = w.toLowerCase();
  if (NOT_NAME.has(l) || PLACES.has(l)) return 'stop';
  if (FIRST_NAMES.has(l)) return AMBIGUOUS_NAMES.has(l) ? 'ambiguous' : 'first';
  if (SURNAMES.has(l)) return 'surname';
  if (l.length >= 5 && hasSurnameSuffix(l)) return 'surname';
  return 'none';
}

/**
 * A–Z, or a character in U+00C0–U+1FFF that is upper case (`ch !== ch.toLowerCase() && ch === ch.toUpperCase()`,
 * precomputed in SCAN_CLASS); false past the end of the text ("Smith-" at the end).
 */
function isUpperAt(text: string, i: number): boolean {
  return i < text.length && (SCAN_CLASS[text.charCodeAt(i)]! & 128) !== 0;
}

/**
 * Upper-case candidates that start a word: not right after a letter, digit or `_` (camelCase, snake_case,
 * 3D, inside a word), that is the matches of UPPER_CAND_RE below, collected by scanText (SCAN_CLASS bits 1, 2).
 */
// UPPER_CAND_RE = /(?<![0-9_A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff])[A-Z\u00c0-\u00de\u0100-\u1fff]/g
// (its matches are collected by scanText)
// The rest of a word: NAME_REST_RE = /[A-Za-z'\u2019\-\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff]*/y (SCAN_CLASS bit 64).

interface TokInfo {
  w: string;
  sig: Sig;
  title: boolean;
  org: boolean;
  initial: boolean;
}
/** Word → list signals, shared across calls (bounded like SIG_CACHE). */
const TOK_INFO_CACHE = new Map<string, TokInfo>();
function tokInfoAt(text: string, i: number, e: number): TokInfo {
  const w = text.slice(i, e);
  let info = TOK_INFO_CACHE.get(w);
  if (info === undefined) {
    info = { w, sig: nameSignal(w), title: TITLE_SET.has(w), org: ORG_SUFFIX_SET.has(w), initial: isInitial(w) };
    if (TOK_INFO_CACHE.size > 50000) TOK_INFO_CACHE.clear();
    TOK_INFO_CACHE.set(w, info);
  }
  return info;
}

/** Capitalised words of the last capitalisedTokens call: start, end and list signals. */
let TOK_S = new Int32Array(64);
let TOK_E = new Int32Array(64);
let TOK_I: TokInfo[] = [];
let tokCount = 0;

/** Capitalised words (from scanText's candidates, then a table-driven scan of the rest of the word). */
function capitalisedTokens(text: string): void {
  const n = text.length;
  // room for every candidate (at most one token each); buffers grown for a huge text are dropped again
  if (TOK_S.length < upCount || (TOK_S.length > 1 << 14 && upCount < 1 << 10)) {
    TOK_S = new Int32Array(upCount + 64);
    TOK_E = new Int32Array(upCount + 64);
  }
  if (TOK_I.length > 1 << 14 && upCount < 1 << 10) TOK_I = []; // do not keep a huge text's words alive
  const tokS = TOK_S;
  const tokE = TOK_E;
  const tokI = TOK_I;
  let nt = 0;
  // UP_S holds every match of UPPER_CAND_RE (scanText); a global scan would resume after each token
  let from = 0;
  for (let u = 0; u < upCount; u++) {
    const i = UP_S[u]!;
    if (i < from) continue;
    if (!isUpperAt(text, i)) continue;
    let j = i + 1;
    while (j < n && (SCAN_CLASS[text.charCodeAt(j)]! & 64) !== 0) j++;
    from = j;
    let e = j;
    // possessive 's and trailing apostrophes / hyphens are not part of the name
    if (e - i > 2) {
      const c1 = text.charCodeAt(e - 1);
      const c2 = text.charCodeAt(e - 2);
      if ((c1 === 115 || c1 === 83) && (c2 === 39 || c2 === 0x2019)) e -= 2;
    }
    while (e > i + 1) {
      const c1 = text.charCodeAt(e - 1);
      if (c1 === 39 || c1 === 0x2019 || c1 === 45) e--;
      else break;
    }
    if (e - i > 3 && isUpperAt(text, i + 1) && isUpperAt(text, e - 1)) continue; // acronyms, shouting, CITY lines
    tokS[nt] = i;
    tokE[nt] = e;
    tokI[nt] = tokInfoAt(text, i, e);
    nt++;
  }
  tokCount = nt;
}

/** Phrases that introduce a name ("my name is", "says", "directed by") and phrases that follow one ("says", "lives at"). */


/** Last words of the phrases in CUE_BEFORE_RE (kept in step with it by the table test). */
const CUE_LAST_WORDS = new Set(
  `name name? him her them it is name's are am i'm this me called named account holder user: customer: client: patient: employee: applicant:
  candidate: name: under partner's wife's husband's mother's father's to says said according by starring featuring feat. dear hi hello hey
  thanks you regards, sincerely, cheers, player singer songwriter commenter author writer actor actress director ceo founder president
  colleague friend partner wife husband son daughter kid child brother sister mother father mom dad uncle aunt cousin nephew niece boss
  including add remove with heard given ask tell contact ping signed attn attn: c/o to: from: cc: employee manager agent technician doctor nurse
  lawyer teacher student patient spouse fiancé fiancée girlfriend boyfriend grandson granddaughter neighbor neighbour landlord tenant
  visitor guest driver owner passenger: tenant: cardholder: holder: traveller: traveler: guardian: spouse: kin:`.split(/\s+/).filter(Boolean),
);

const CUE_LAST_WORD_MAX = Math.max(...[...CUE_LAST_WORDS].map((w) => w.length));
function lowerAsciiCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
/**
 * Shapes of CUE_LAST_WORDS: bit `len` of entry `first * 128 + last` is set when a word of that length starts
 * and ends with those (ASCII) characters. A word looked up in cueBeforeAt starts with an ASCII letter and holds
 * only ASCII letters and : ? . , ' ’ - (lower-casing changes only A–Z), so a clear bit means it is not in the set.
 */
const CUE_WORD_SHAPE = new Uint32Array(128 * 128);
for (const w of CUE_LAST_WORDS) {
  const f = w.charCodeAt(0);
  const l = w.charCodeAt(w.length - 1);
  if (f < 128 && l < 128 && w.length < 32) CUE_WORD_SHAPE[f * 128 + l] = CUE_WORD_SHAPE[f * 128 + l]! | (1 << w.length);
}
function isAsciiLetterCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
/** `\s` of a JavaScript regex, for one UTF-16 unit. */
function isSpaceCode(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** True when a phrase that introduces a name ends right before `s` (checked only for candidates without a list signal). */
function cueBeforeAt(text: string, s: number): boolean {
  let k = s;
  while (k > 0 && s - k < 4) {
    const c = text.charCodeAt(k - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13) k--;
    else break;
  }
  if ((k === s && s > 0) || (k > 0 && isSpaceCode(text.charCodeAt(k - 1)))) return false; // a cue must be right before the name
  // the phrase's last word is looked up first; the full regex runs only on a hit
  let w = k;
  while (w > 0 && k - w < 20) {
    const c = text.charCodeAt(w - 1);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 58 || c === 63 || c === 46 || c === 44 || c === 39 || c === 0x2019 || c === 45) w--;
    else break;
  }
  // leading punctuation is not part of the word (the word characters above are ASCII letters and : ? . , ' ’ -)
  while (w < k && !isAsciiLetterCode(text.charCodeAt(w))) w++;
  if (k - w > CUE_LAST_WORD_MAX || k === w) return false;
  // shape filter (first letter, last character, length) before making the lower-cased word
  const last = text.charCodeAt(k - 1);
  if (last < 128 && k - w < 32 && (CUE_WORD_SHAPE[lowerAsciiCode(text.charCodeAt(w)) * 128 + lowerAsciiCode(last)]! & (1 << (k - w))) === 0) return false;
  if (!CUE_LAST_WORDS.has(text.slice(w, k).toLowerCase())) return false;
  return CUE_BEFORE_RE.test(text.slice(Math.max(0, k - 32), k));
}

function isSpeakerLine(text: string, s: number, e: number): boolean {
  return (s === 0 || text.charCodeAt(s - 1) === 10) && text.charCodeAt(e) === 58 && text.charCodeAt(e + 1) === 32 && isLetterAt(text, e + 2);
}

/**
 * The words after the space in CUE_AFTER_RE (says said wrote writes told tells asked asks replied answered lives
 * lived listed spent had has points pointed just will is was speak concert novel album fan version from of):
 * first letter → the letters that can follow it.
 */
const CUE_AFTER_SECOND = new Map<number, number>(
  Object.entries({ s: 'ap', w: 'ria', t: 'oe', a: 'snl', r: 'e', l: 'i', h: 'a', p: 'o', j: 'u', i: 's', c: 'o', n: 'o', f: 'ar', v: 'e', o: 'f' }).map(([k, v]) => [
    k.charCodeAt(0),
    [...v].reduce((m, ch) => m | (1 << (ch.charCodeAt(0) - 97)), 0),
  ]),
);
/** First characters of CUE_AFTER_RE: `'`, `’` or a space (its only ways to start). */
function cueAfterAt(text: string, e: number): boolean {
  const a0 = text.charCodeAt(e);
  if (a0 === 32) {
    // the word after the space starts with one of CUE_AFTER_RE's (case-sensitive) first two letters
    const ok = CUE_AFTER_SECOND.get(text.charCodeAt(e + 1));
    const c2 = text.charCodeAt(e + 2) - 97;
    if (ok === undefined || !(c2 >= 0 && c2 < 26) || (ok & (1 << c2)) === 0) return false;
  } else if (a0 !== 39 && a0 !== 0x2019) return false;
  CUE_AFTER_STICKY.lastIndex = e;
  return CUE_AFTER_STICKY.test(text);
}

function findPersons(text: string, out: Finding[]): void {
  capitalisedTokens(text);
  const nt = tokCount;
  if (nt === 0) return;
  const TS = TOK_S;
  const TE = TOK_E;
  const TI = TOK_I;

  // speaker turns ("Name: ...") at line starts, counted once per text (when first needed)
  let speakerLines = -1;

  let i = 0;
  while (i < nt) {
    // build a sequence of adjacent capitalised tokens (single space, or ". " after an initial/title)
    let j = i;
    while (j + 1 < nt) {
      const ae = TE[j]!;
      const gapLen = TS[j + 1]! - ae;
      if (gapLen > 12) break;
      const g0 = text.charCodeAt(ae);
      if (gapLen === 1 && g0 === 32) j++;
      else if (gapLen === 2 && g0 === 32 && text.charCodeAt(ae + 1) === 32) j++;
      else if (gapLen === 2 && g0 === 46 && text.charCodeAt(ae + 1) === 32 && (TI[j]!.title || TI[j]!.initial)) j++;
      else if (gapLen >= 3 && g0 === 32 && PARTICLE_GAP_RE.test(text.slice(ae, TS[j + 1]!))) j++;
      else break;
    }
    let lo = i;
    const hi = j; // inclusive
    i = j + 1;
    // drop leading stop words ("The Sokolov novel" → "Sokolov", "Dear Mr. X") and title prefixes
    let titled = false;
    while (lo <= hi && (TI[lo]!.title || (!titled && TI[lo]!.sig === 'stop'))) {
      if (TI[lo]!.title) titled = true;
      lo++;
    }
    let end = lo;
    let orgInside = false;
    while (end <= hi) {
      const t = TI[end]!;
      if (end > lo && t.org) {
        orgInside = true;
        break;
      }
      if (t.sig === 'stop') break;
      end++;
    }
    if (orgInside) continue; // "Wayne Enterprises", "Wolfram Research"
    const len = end - lo;
    if (len === 0 || len > 4) continue;
    const first = TI[lo]!;
    const s = TS[lo]!;
    const e = TE[end - 1]!;
    const multi = len >= 2;
    const strongFirst = first.sig === 'first';
    let anySurname = len === 1 && first.sig === 'surname';
    let anyList = titled;
    for (let k = lo; k < end; k++) {
      const g = TI[k]!.sig;
      if (g !== 'none') anyList = true;
      if (k > lo && g === 'surname') anySurname = true;
    }
    const cueAfter = cueAfterAt(text, e);
    let after: string | undefined; // text.slice(e, e + 60), made when needed
    const cueBefore = !cueAfter && (anyList || len <= 3) ? cueBeforeAt(text, s) : false;
    const a0 = text.charCodeAt(e); // after[0]
    const vocative = (a0 === 33 || a0 === 63) && /,\s*$/.test(text.slice(Math.max(0, s - 3), s));
    let speaker = false;
    if (len === 1 && isSpeakerLine(text, s, e)) {
      if (speakerLines < 0) {
        speakerLines = 0;
        for (let k = 0; k < nt; k++) if (isSpeakerLine(text, TS[k]!, TE[k]!)) speakerLines++;
      }
      speaker = speakerLines >= 2;
    }
    const lineAlone = multi && len <= 3 && (anyList || /[\u00c0-\u024f]/.test(text.slice(s, e))) && /(?:^|\n)[ \t>?]*$/.test(text.slice(Math.max(0, s - 6), s)) && /^[ \t]*(?:\n|$)/.test((after ??= text.slice(e, e + 60)));
    let score = 0;
    if (titled) score = 0.9;
    else if (strongFirst && multi) score = 0.9;
    else if (strongFirst) score = 0.7;
    if (cueBefore || cueAfter || vocative || speaker) score = Math.max(score, first.sig === 'none' || first.sig === 'surname' ? 0.7 : 0.85);
    if (first.sig === 'ambiguous' && multi && (anySurname || cueBefore || cueAfter)) score = Math.max(score, 0.75);
    if (multi && anySurname) score = Math.max(score, 0.7);
    if (lineAlone) score = Math.max(score, 0.65);
    let pairRule = false;
    if (score === 0) {
      // pairs of names: "Dale and White were ..."
      const pair = a0 === 32 && (text.startsWith('and ', e + 1) || text.startsWith('& ', e + 1)) ? /^ (?:and|&) (\p{Lu}[\p{L}'’-]+) (?:were|are|have|had)\b/u.exec((after ??= text.slice(e, e + 60))) : null;
      if (pair && (first.sig !== 'none' || nameSignal(pair[1]!) === 'first' || nameSignal(pair[1]!) === 'surname')) score = 0.65;
      else if ((anySurname || first.sig === 'ambiguous') && / (?:were|are) /.test((after ??= text.slice(e, e + 60)).slice(0, 6)) && /(?:^|[^,]\s)(?:and|&) $/.test(text.slice(Math.max(0, s - 5), s))) score = 0.65;
      pairRule = score > 0;
    }
    if (score === 0) continue;
    if (first.sig === 'ambiguous' && !multi && !titled && !cueBefore && !cueAfter && !vocative && !speaker && !pairRule) continue;
    if (len === 1 && first.w.length < 2) continue;
    after ??= text.slice(e, e + 60);
    // organisation vetoes (checked last: they are the expensive part)
    if (ORG_AFTER_RE.test(after)) continue; // "Thomas and Sons"
    if (LAW_FIRM_RE.test(text.slice(s, s + 80))) continue; // "Lopez, Santos and Coleman"
    if (text[e] === '-' && isUpperAt(text, e + 1)) continue; // "Mayo-Walters" hyphenated company names
    const nextWord = isSpaceCode(a0) ? /^\s+(\p{Lu}[\p{L}'’-]+)/u.exec(after)?.[1] : undefined;
    if (nextWord && ORG_SUFFIX_RE.test(nextWord)) continue;
    out.push(mk('person', s, e, score, score >= 0.6 ? 'medium' : 'low', 'person name'));
  }
}

/** All-lowercase text ("follow up with benjamin a seiler"): given name + another word, or a cue. */
const LOWER_WORD_RE = /\b[a-zà-öø-ÿāăąćčďđēėęěğīįıķĺľłńňőœŕřśşšţťūůűųźżž]{3,}\b/g;
const LOWER_STOP = new Set('and or the is was has had will would can could to from of in on at for with said says a an are be been it its this that my your his her our their but not no yes as by up out if so do did does just very'.split(' '));
function findPersonsLower(text: string, out: Finding[]): void {
  LOWER_WORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LOWER_WORD_RE.exec(text)) !== null) {
    const w = m[0];
    if (!FIRST_NAMES.has(w) || AMBIGUOUS_NAMES.has(w) || w.length < 4) continue;
    const s = m.index;
    const after = text.slice(s + w.length, s + w.length + 40);
    const before = text.slice(Math.max(0, s - 40), s);
    const next = /^ (?:[a-z]\.? )?([a-zà-ÿ\u0100-\u017f]{3,})/.exec(after);
    const twoWords = next !== null && !LOWER_STOP.has(next[1]!) && (SURNAMES.has(next[1]!) || !/^(?:is|was|has|had|will|and|the)$/.test(next[1]!));
    const listed = /^, ([a-zà-ÿ]{3,})/.exec(after);
    const inList = listed !== null && FIRST_NAMES.has(listed[1]!) && !AMBIGUOUS_NAMES.has(listed[1]!);
    if (twoWords || inList || CUE_BEFORE_RE.test(before) || CUE_AFTER_RE.test(after)) {
      const e = twoWords ? s + w.length + next![0].length : s + w.length;
      out.push(mk('person', s, e, 0.65, 'medium', 'person name'));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Street addresses

const MILITARY_RE = /(?:PSC|Unit|CMR)\s+\d{3,5},?\s+Box\s+\d{3,5}|(?:USS|USNS|USNV)\s+\p{Lu}[\p{L}-]+\s*\n?\s*FPO\s+A[AEP]\s+\d{5}|[AFD]PO\s+A[AEP]\s+\d{5}\b/giu;
const STREET_EN_RE = /\d{1,6}[A-Za-z]?\s+(?:\p{Lu}[\p{L}'’.-]*\s+){1,4}(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Lane|Ln\.?|Drive|Dr\.?|Court|Ct\.?|Close|Crescent|Cres\.?|Terrace|Boulevard|Blvd\.?|Way|Place|Pl\.?|Square|Sq\.?|Highway|Hwy\.?|Parkway|Pkwy\.?|Circle|Cir\.?|Harbor|Harbour|Summit|Greens?|Loop|Hill|Gardens|Row|Walk|Alley|Trail|Path|Grove|Mews|Parade|Quay|Wharf|Heights|View|Rise|Ridge|Vale|Meadows?|Plaza|Junction|Crossing|Pike|Point|Manor|Villas?|Fields?|Springs?|Estates?|Station|Ports?|Shores?|Knolls?|Expressway|Freeway|Turnpike)\b/uy;
const EU_SUFFIXES = ['strasse', 'straße', 'str.', 'gasse', 'weg', 'vej', 'vägen', 'veien', 'vegen', 'gata', 'gatan', 'gade', 'katu', 'tie', 'laan', 'straat', 'gracht', 'plein', 'utca', 'útja', 'ulica', 'ulice', 'cesta', 'allee', 'allé', 'platz', 'damm', 'ufer', 'stræde', 'polku', 'kuja', 'väg', 'gränd', 'terrasse', 'vegur', 'stig', 'bakken', 'haugen'];
/** The first of EU_SUFFIXES (in list order) that `w` ends with: the same answer as `EU_SUFFIXES.find`, by a few lookups. */
const EU_SUFFIX_INDEX = new Map(EU_SUFFIXES.map((x, i) => [x, i] as const).reverse());
const EU_SUFFIX_LENGTHS = [...new Set(EU_SUFFIXES.map((x) => x.length))];
/** Last characters of EU_SUFFIXES: a word ending otherwise has none of them. */
const EU_SUFFIX_LAST = new Set(EU_SUFFIXES.map((x) => x.charCodeAt(x.length - 1)));
function euSuffixOf(w: string): string | undefined {
  if (!EU_SUFFIX_LAST.has(w.charCodeAt(w.length - 1))) return undefined;
  let best = -1;
  for (const len of EU_SUFFIX_LENGTHS) {
    if (len > w.length) continue;
    const i = EU_SUFFIX_INDEX.get(w.slice(w.length - len));
    if (i !== undefined && (best < 0 || i < best)) best = i;
  }
  return best < 0 ? undefined : EU_SUFFIXES[best];
}
const EU_PREFIXES = new Set(['avinguda', 'passeig', 'plaça', 'travessera', 'impasse', 'allée', 'chemin', 'quai', 'estrada', 'piazzetta', 'rua', 'rue', 'avenida', 'avda.', 'av.', 'calle', 'c/', 'via', 'viale', 'piazza', 'piazzale', 'carrer', 'ul.', 'ulica', 'strada', 'str.', 'praça', 'largo', 'paseo', 'plaza', 'chaussée', 'avenue', 'boulevard', 'travessa', 'alameda', 'camino', 'ronda', 'rambla', 'corso', 'vicolo', 'λ.', 'οδός', 'leoforos', 'calea', 'bulevardul', 'aleja', 'al.', 'plac', 'pl.', 'náměstí', 'nám.', 'trg']);
/** Prefixes that are also common words or abbreviations (`via DHL`, `largo`, `al.`): they start an address only when capitalised. */
const EU_PREFIX_AMBIGUOUS = new Set(['via', 'largo', 'al.', 'pl.', 'plac', 'str.', 'c/', 'av.', 'ronda', 'trg', 'plaza', 'rambla', 'corso', 'camino', 'strada', 'alameda']);
/** After a house number: `, boulevard Voltaire`, ` rue des Tanneurs`, `, Rue de Rivoli` (the street name holds a capital). */
const NUMBER_FIRST_RE = /(?: ?(?:bis|ter))?,? ([\p{L}.\/]{1,20})((?: [\p{L}'’-]{1,30}){1,4})/uy;
/** Cheap necessary condition for NUMBER_FIRST_RE at `q`: the first word after `, ` / ` ` (or ` bis` / ` ter`) can start a prefix. */
function numberFirstPossible(text: string, q: number): boolean {
  let k = q;
  if (text.charCodeAt(k) === 44) k++;
  if (text.charCodeAt(k) !== 32) return false;
  const c = text.charCodeAt(k + 1);
  return euPrefixFirstOk(c) || c === 98 || c === 116; // b(is), t(er)
}
const EU_PREFIX_MAX = Math.max(...[...EU_PREFIXES].map((w) => w.length));
const UNIT_WORDS = new Set(['apt', 'apt.', 'apartment', 'suite', 'ste', 'ste.', 'flat']);

const ADDRESS_CUE_RE = /(?:lives? (?:at|on)|living at|located at|resides? at|address(?: of [^.\n]{1,60})? (?:is|to)|address:|office is at|is at|meet (?:me|you) at|sent to|send it to|return to|drops? (?:you|me) off at|arrived at|stop at|taxi to|deliver(?:ed|y)? to|ship(?:ped|ping)? to|mail(?:ed)? to|corner of|side of|moved to|home is at|it's in|it is|billing address(?: is)?|shipping address(?: is)?|postal address|mailing address|user:)\s*$/i;

function isLetterAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/**
 * Cues before an address, anywhere in the text: `lives? (?:at|on)|resid(?:ent|ing|es) (?:at|on|in)|living at|located at|
 * resides? at|address(?: of [^.\n]{1,60}?)? (?:is|to)|address:|office is at|is at|meet (?:me|you) at|sent to|send it to|
 * return to|off at|arrived at|stop at|taxi to|deliver(?:ed|y)? to|ship(?:ped|ping)? to|mail(?:ed)? to|corner of|side of|
 * moved to|home is at|it's in|it is|user:`, factored by first letter (alternatives sharing a first letter keep their
 * order; different first letters never match at one position): the same matches, one dispatch per position.
 */
const ADDRESS_CUE_GLOBAL_RE = /l(?:ives? (?:at|on)|iving at|ocated at)|r(?:esid(?:ent|ing|es) (?:at|on|in)|esides? at|eturn to)|a(?:ddress(?: of [^.\n]{1,60}?)? (?:is|to)|ddress:|rrived at)|o(?:ffice is at|ff at)|i(?:s at|t's in|t is)|m(?:eet (?:me|you) at|ail(?:ed)? to|oved to)|s(?:ent to|end it to|top at|hip(?:ped|ping)? to|ide of)|taxi to|deliver(?:ed|y)? to|corner of|home is at|user:/gi;

/** A character of a word before a house number: a letter, ' ’ . - / or #. */
function isAddressWordCharAt(text: string, i: number): boolean {
  if (isLetterAt(text, i)) return true;
  const c = text.charCodeAt(i);
  return c === 39 || c === 0x2019 || c === 46 || c === 45 || c === 47 || c === 35;
}
/** First characters of EU_PREFIXES: an ASCII first character (lower-cased) outside them rules a word out. */
const EU_PREFIX_FIRST = new Set([...EU_PREFIXES].map((w) => w.charCodeAt(0)));
function euPrefixFirstOk(c: number): boolean {
  return c >= 128 || EU_PREFIX_FIRST.has(lowerAsciiCode(c));
}
/**
 * Shapes of EU_PREFIXES (see CUE_WORD_SHAPE): a word with an ASCII first and last character is one of them,
 * lower-cased, only if its (lower-cased) first and last characters and length match one. Lower-casing keeps
 * the length of every word that can be one of them (only U+0130 grows, into a character none of them has).
 */
const EU_PREFIX_SHAPE = new Uint32Array(128 * 128);
for (const w of EU_PREFIXES) {
  const f = w.charCodeAt(0);
  const l = w.charCodeAt(w.length - 1);
  if (f < 128 && l < 128 && w.length < 32) EU_PREFIX_SHAPE[f * 128 + l] = EU_PREFIX_SHAPE[f * 128 + l]! | (1 << w.length);
}
/** Whether text[ws, sp) lower-cased is in EU_PREFIXES. */
function isEuPrefixAt(text: string, ws: number, sp: number): boolean {
  if (sp - ws > EU_PREFIX_MAX) return false;
  const f = text.charCodeAt(ws);
  const l = text.charCodeAt(sp - 1);
  if (f < 128 && l < 128 && sp - ws < 32 && (EU_PREFIX_SHAPE[lowerAsciiCode(f) * 128 + lowerAsciiCode(l)]! & (1 << (sp - ws))) === 0) return false;
  return EU_PREFIXES.has(text.slice(ws, sp).toLowerCase());
}

/** \p{L} might match here: an ASCII letter, or any non-ASCII code unit (a loose test); false past the ends. */
function maybeLetterAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isAsciiLetterCode(c) || c >= 0x80;
}
/**
 * Whether the digit run [rs, re) can hold the digits of a match of the cue rule's phrase regex
 * `\d{1,6}[A-Za-z]?\s+\p{L}{3,}|\p{L}{3,}\.?\s+\d{1,5}\b|\p{L}\.\s+\d{1,5}\b` (a loose test: true whenever it can).
 * The first branch's digits end the run (a letter or white space follows them); in the others white space
 * comes right before the run, after letters or a dot.
 */
function phraseRunPossible(text: string, rs: number, re: number): boolean {
  let j = re;
  if (isAsciiLetterCode(text.charCodeAt(j))) j++;
  if (isSpaceCode(text.charCodeAt(j))) {
    while (isSpaceCode(text.charCodeAt(j))) j++;
    if (maybeLetterAt(text, j) && maybeLetterAt(text, j + 1) && maybeLetterAt(text, j + 2)) return true;
  }
  let k = rs - 1;
  if (k >= 0 && isSpaceCode(text.charCodeAt(k))) {
    while (k >= 0 && isSpaceCode(text.charCodeAt(k))) k--;
    if (k >= 0) {
      if (text.charCodeAt(k) === 46) return maybeLetterAt(text, k - 1);
      return maybeLetterAt(text, k) && maybeLetterAt(text, k - 1) && maybeLetterAt(text, k - 2);
    }
  }
  return false;
}

function findAddresses(text: string, out: Finding[]): void {
  const push = (s: number, e: number, score: number) => out.push(mk('address', s, e, score, 'medium', 'street address'));
  if (runCount === 0) return; // every address pattern here needs a house, box or postal number
  let m: RegExpExecArray | null;
  if (spacedLongRun(text) && /box|[afd]po /i.test(text)) {
    MILITARY_RE.lastIndex = 0;
    while ((m = MILITARY_RE.exec(text)) !== null) {
      if (m.index > 0 && isLetterAt(text, m.index - 1)) continue;
      push(m.index, m.index + m[0].length, 0.8);
    }
  }
  // Street patterns are anchored on house numbers: one pass over digit runs, small checks around each.
  // (the digit runs come from scanText: the matches of /\d+/g)
  const lastDigitEnd = RUN_E[runCount - 1]!;
  // whether some digit run has white space before it, or after it (past one optional letter): the
  // number-bearing phrases of the cue rule below need one ("333 Golfskálinn", "Suarez 2906")
  let spacedDigits = false;
  runs: for (let r = 0; r < runCount; r++) {
    const q = RUN_E[r]!;
    const p = RUN_S[r]!;
    if (!spacedDigits) {
      const a = text.charCodeAt(q);
      spacedDigits = (p > 0 && isSpaceCode(text.charCodeAt(p - 1))) || isSpaceCode(a) || (isAsciiLetterCode(a) && isSpaceCode(text.charCodeAt(q + 1)));
    }
    if (q - p > 6) continue;
    const prev = p > 0 ? text.charCodeAt(p - 1) : 32;
    const nc = q < text.length ? text.charCodeAt(q) : 32;
    if (nc === 58 || (nc >= 48 && nc <= 57)) continue; // 10:30, 1.2.3 handled below, digits glued
    if ((nc === 46 || nc === 44) && q + 1 < text.length && text.charCodeAt(q + 1) !== 32 && text.charCodeAt(q + 1) !== 10) continue; // 1.5, 1,000
    const spaceAfter = nc === 32 || nc === 9 || nc === 10;
    const upperAfter = spaceAfter && q + 1 < text.length && isUpperAt(text, q + 1);
    // "12 Timms Drive", "3784 Archwood Avenue"
    if (upperAfter && (prev === 32 || prev === 10 || prev === 9 || p === 0 || prev === 40)) {
      STREET_EN_RE.lastIndex = p;
      const en = STREET_EN_RE.exec(text);
      if (en && !(/(?:Dr\.?|St\.?)$/.test(en[0]) && /^\s*\p{Lu}/u.test(text.slice(p + en[0].length, p + en[0].length + 3)))) {
        push(p, p + en[0].length, 0.8);
        continue;
      }
    }
    // "12 Rue de Rivoli", "7 Via Roma"
    const nextWord = upperAfter && nc === 32 && euPrefixFirstOk(text.charCodeAt(q + 1)) ? /^ ([\p{L}.\/]+)/u.exec(text.slice(q, q + 16))?.[1] : undefined;
    if (nextWord && EU_PREFIXES.has(nextWord.toLowerCase())) {
      const tail = /^ [\p{L}.\/]+(?: [\p{L}'’-]+){1,4}/u.exec(text.slice(q, q + 60));
      if (tail) {
        push(p, q + tail[0].length, 0.75);
        continue;
      }
    }
    if (!upperAfter && (nc === 32 || nc === 44) && (prev === 32 || prev === 10 || prev === 9 || p === 0 || prev === 40 || prev === 34) && numberFirstPossible(text, q)) {
      NUMBER_FIRST_RE.lastIndex = q;
      const nf = NUMBER_FIRST_RE.exec(text);
      if (nf && EU_PREFIXES.has(nf[1]!.toLowerCase()) && !(EU_PREFIX_AMBIGUOUS.has(nf[1]!.toLowerCase()) && !isUpperAt(text, q + nf[0].length - nf[1]!.length - nf[2]!.length)) && /\p{Lu}/u.test(nf[2]!)) {
        push(p, q + nf[0].length, 0.75);
        continue;
      }
    }
    if (!(prev === 32 || prev === 9 || prev === 35)) continue; // the rest need "word 123" / "Apt. #123"
    // the words before the number, nearest first (what wordsBefore(text, p, 5) returns), one at a time
    let k = p;
    for (let nw = 0; nw < 5; nw++) {
      let sp = k;
      while (sp > 0 && (text.charCodeAt(sp - 1) === 32 || text.charCodeAt(sp - 1) === 9)) sp--;
      if (sp === k && nw > 0) break;
      // `Calle Sierpes, 12`, `Rua Augusta, 84`: a comma between the street name and the number, the name capitalised
      if (nw === 0 && sp > 1 && text.charCodeAt(sp - 1) === 44) {
        let w = sp - 1;
        while (w > 0 && sp - w < 40 && isAddressWordCharAt(text, w - 1)) w--;
        if (w === sp - 1 || !isUpperAt(text, w)) continue runs;
        sp--;
      }
      let ws = sp;
      while (ws > 0 && sp - ws < 40 && isAddressWordCharAt(text, ws - 1)) ws--;
      if (ws === sp) break;
      if (nw === 0) {
        const raw0 = text.slice(ws, sp);
        let w0 = raw0.toLowerCase();
        if (w0.charCodeAt(0) === 35) w0 = w0.slice(1); // a leading #
        // unit designators count when a house number + word precedes them (same or previous line)
        if (UNIT_WORDS.has(w0) || (w0.endsWith('#') && UNIT_WORDS.has(w0.slice(0, -1)))) {
          const before = text.slice(Math.max(0, ws - 80), ws);
          if (/\d{1,6}\s+\p{L}{3,}/u.test(before) || /\p{L}{3,}\s+\d{1,5}\.?\s*$/u.test(before)) push(ws, q, 0.75);
          continue runs;
        }
        // "Pachergasse 64", "Nybyvägen 65"
        const suf = euSuffixOf(w0);
        if (suf && w0.length - suf.length >= 2 && raw0 !== raw0.toUpperCase() && isLetterAt(text, ws)) {
          push(ws, q, 0.75);
          continue runs;
        }
      }
      // "Rua Diadema 1903", "ul. Miła 57", "Avenue d'Ouchy 109": the nearest word that is a prefix decides
      if (isEuPrefixAt(text, ws, sp)) {
        if (ws === 0 || !isLetterAt(text, ws - 1)) push(ws, q, 0.75);
        continue runs;
      }
      k = ws;
    }
  }
  // cue + number-bearing phrase: "lives at 333 Golfskálinn 78", "north side of Joaquin Suarez 2906"
  // The phrase after a cue must hold a digit, so cues starting after the last digit are useless: the scan
  // stops there. It runs over a prefix long enough to hold any cue that starts before it (≤ 74 characters):
  // the same matches as over the whole text up to that point, without scanning a digit-free tail.
  // (And with no digit run next to white space, no phrase can qualify: the scan is skipped.)
  if (!spacedDigits) return;
  const cueScope = lastDigitEnd + 100 < text.length ? text.slice(0, lastDigitEnd + 100) : text;
  // Windows: a phrase that qualifies holds a digit of a run that phraseRunPossible accepts, within 100
  // characters of its start, which is at most 10 characters past the cue's end, which is at most 74 past the
  // cue's start. So a cue starting more than 184 characters before such a run, or after it ends, is useless
  // there; one outside every window [run start - 200, run end) is useless. Such cues are skipped, and a long
  // stretch before a window is not scanned at all: the scan jumps to just after the last `.` or newline
  // before the window. No cue contains `.` or a newline, so no match spans that point, and a global scan
  // started there finds the same matches from there on as one started at 0.
  let li = 0;
  let r = 0;
  let winS = -1;
  let winE = -1;
  const nextWindow = (pos: number): boolean => {
    while (winE <= pos) {
      if (r >= runCount) return false;
      const rs = RUN_S[r]!;
      const re = RUN_E[r]!;
      r++;
      if (phraseRunPossible(text, rs, re)) {
        winS = Math.max(0, rs - 200);
        winE = re;
      }
    }
    return true;
  };
  for (;;) {
    if (!nextWindow(li)) break;
    if (li < winS) {
      // the last `.` or newline in [li, winS): the scan may start right after it (searched back only to li,
      // so the work is bounded by the stretch the scan would cover anyway)
      let k = winS - 1;
      while (k >= li) {
        const c = text.charCodeAt(k);
        if (c === 46 || c === 10) break;
        k--;
      }
      if (k >= li) li = k + 1;
    }
    ADDRESS_CUE_GLOBAL_RE.lastIndex = li;
    const c = ADDRESS_CUE_GLOBAL_RE.exec(cueScope);
    if (c === null) break;
    if (c.index >= lastDigitEnd) break;
    li = c.index + c[0].length;
    if (!nextWindow(c.index)) break;
    if (c.index < winS) continue; // in no window
    let p = c.index + c[0].length;
    const lead = /^[\s:]+/.exec(text.slice(p, p + 10));
    if (lead) p += lead[0].length;
    const seg = /^(?:[^\n.?!;]|\.(?! +\p{Lu}\p{Ll}| *$))+/u.exec(text.slice(p, p + 100))?.[0] ?? '';
    if (seg.length < 3) continue;
    if (DAY_MONTH_RE.test(seg)) continue; // a date ("moved to 2 July 2027"), not a house number
    if (/^(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|o'clock|h)\b|\d{1,2}:\d{2}|\$|€|£|noon|midnight|0x[0-9a-f])/i.test(seg)) continue;
    if (/\d{1,6}[A-Za-z]?\s+\p{L}{3,}|\p{L}{3,}\.?\s+\d{1,5}\b|\p{L}\.\s+\d{1,5}\b/u.test(seg) && !/^\d+\s*(?:x|%|items?|days?|hours?|minutes?|years?|people|times|pages?)\b/i.test(seg)) {
      push(p, p + seg.length, 0.7);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function dedupe(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings; // nothing to sort or drop
  findings.sort((a, b) => (a.start ?? 0) - (b.start ?? 0) || (b.end ?? 0) - (a.end ?? 0));
  const out: Finding[] = [];
  for (const f of findings) {
    const prev = out[out.length - 1];
    if (prev && (f.start ?? 0) >= (prev.start ?? 0) && (f.end ?? 0) <= (prev.end ?? 0) && prev.detector === f.detector) continue;
    out.push(f);
  }
  return out;
}

const LABELLED_ID_RE = /(?:driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|passport)(?:\s+(?:number|no\.?|#))?\s*(?:is|:)?\s*([A-Z]{1,3}[0-9][A-Z0-9-]{3,18})\b/gi;
function findLabelledIds(text: string, out: Finding[]): void {
  LABELLED_ID_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LABELLED_ID_RE.exec(text)) !== null) {
    const v = m[1]!;
    const s = m.index + m[0].length - v.length;
    out.push(mk(/passport/i.test(m[0]) ? 'passport' : 'driver-license', s, s + v.length, 0.85, 'medium', 'identity document number'));
  }
}

// ---------------------------------------------------------------------------------------------
// National identity numbers, tax ids and dates of birth next to their label (rules as data)

const digitsOf = (v: string): string => v.replace(/\D/g, '');
function dniValid(v: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})[- ]?([A-Z])$/i.exec(v);
  if (!m) return false;
  const n = Number(`${'XYZ'.indexOf(m[1]!.toUpperCase()) >= 0 ? 'XYZ'.indexOf(m[1]!.toUpperCase()) : ''}${m[2]}`);
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23] === m[3]!.toUpperCase();
}
function bsnValid(v: string): boolean {
  const d = digitsOf(v);
  if (d.length !== 9) return false;
  let s = 0;
  for (let i = 0; i < 8; i++) s += Number(d[i]) * (9 - i);
  return (s - Number(d[8])) % 11 === 0;
}
function cpfValid(v: string): boolean {
  const d = digitsOf(v);
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return false;
  const check = (len: number): number => {
    let s = 0;
    for (let i = 0; i < len; i++) s += Number(d[i]) * (len + 1 - i);
    return ((s * 10) % 11) % 10;
  };
  return check(9) === Number(d[9]) && check(10) === Number(d[10]);
}
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
function codiceFiscaleValid(v: string): boolean {
  const s = v.toUpperCase();
  if (!/^[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s.charCodeAt(i);
    const k = c <= 57 ? c - 48 : c - 65;
    sum += i % 2 === 0 ? CF_ODD[k]! : k;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}
function nhsValid(v: string): boolean {
  const d = digitsOf(v);
  if (d.length !== 10) return false;
  let s = 0;
  for (let i = 0; i < 9; i++) s += Number(d[i]) * (10 - i);
  const c = 11 - (s % 11);
  return (c === 11 ? 0 : c) === Number(d[9]);
}
function nirValid(v: string): boolean {
  const s = v.replace(/\s/g, '').toUpperCase();
  if (s.length !== 15) return false;
  const body = s.slice(0, 13).replace('2A', '19').replace('2B', '18');
  return 97 - Number(BigInt(body) % 97n) === Number(s.slice(13));
}
function belgianNnValid(v: string): boolean {
  const d = digitsOf(v);
  if (d.length !== 11) return false;
  const body = d.slice(0, 9);
  const check = Number(d.slice(9));
  return 97 - (Number(body) % 97) === check || 97 - (Number('2' + body) % 97) === check;
}
const notAllSame = (v: string): boolean => !/^(.)\1+$/.test(digitsOf(v));

interface LabelledIdRule {
  id: string;
  message: string;
  /** Labels, literal (matched case-insensitively unless exactCase; a space also matches `_`, `-` or nothing). */
  labels: string[];
  /** Whether the label is matched case-sensitively (acronyms such as SIN, NIE, DOB). */
  exactCase?: boolean;
  /** The value right after the label and its separator (sticky). */
  value: RegExp;
  validate?: (v: string) => boolean;
  /** The separator must hold `:` or `=` (a field, not a word in a sentence). */
  needsColon?: boolean;
  /** Look for the label in every text, not only before digits (values without digits). */
  anyDigits?: boolean;
}

/**
 * Month names (the stems a written date starts with) in English, German, French, Spanish, Italian, Portuguese, Dutch,
 * Polish and Swedish. A stem matches the start of the month word; the rest of the word is letters.
 */
const MONTH_STEMS = [
  'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec', // en
  'mär', 'mai', 'okt', 'dez', // de (+ en stems)
  'janv', 'fév', 'fev', 'avr', 'juin', 'juil', 'aoû', 'aou', 'déc', // fr
  'ene', 'abr', 'ago', 'dic', // es
  'gen', 'mag', 'giu', 'lug', 'set', 'ott', // it
  'fev', 'out', // pt
  'mei', 'maa', // nl
  'sty', 'lut', 'kwi', 'cze', 'lip', 'sie', 'wrz', 'paź', 'paz', 'lis', 'gru', // pl
  'maj', 'aug', // sv
];
const MONTH_ALT = [...new Set(MONTH_STEMS)].sort((a, b) => b.length - a.length).join('|');
/** `12 March 1984`, `12. März 1984`, `12 de marzo de 1984`, `12 avril 1984` (day first), month words of MONTH_STEMS. */
const DAY_MONTH_YEAR = String.raw`\d{1,2}\.? (?:de )?(?:${MONTH_ALT})[\p{L}]{0,8}\.?,? (?:de |del )?\d{4}`;
const DAY_MONTH_RE = new RegExp(String.raw`^\d{1,2}\.? (?:de )?(?:${MONTH_ALT})[\p{L}]{0,8}\b`, 'iu');
const DATE_VALUE = String.raw`(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|${DAY_MONTH_YEAR}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4})(?![\d/.-]\d)`;

const LABELLED_ID_RULES: LabelledIdRule[] = [
  { id: 'national-id-es', message: 'Spanish DNI / NIE', labels: ['DNI', 'NIE', 'NIF'], exactCase: true, value: /[XYZ]?\d{7,8}[- ]?[A-Z](?![A-Za-z0-9])/iy, validate: dniValid },
  { id: 'national-id-nl', message: 'Dutch BSN', labels: ['bsn', 'burgerservicenummer', 'sofinummer'], value: /(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})(?!\d)/y, validate: bsnValid },
  { id: 'national-id-br', message: 'Brazilian CPF', labels: ['CPF'], exactCase: true, value: /\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)/y, validate: cpfValid },
  { id: 'national-id-ca', message: 'Canadian SIN', labels: ['SIN', 'NAS'], exactCase: true, value: /\d{3}[ -]?\d{3}[ -]?\d{3}(?!\d)/y, validate: (v) => luhnValid(digitsOf(v)) && notAllSame(v) },
  { id: 'national-id-ca', message: 'Canadian SIN', labels: ['social insurance', 'assurance sociale'], value: /\d{3}[ -]?\d{3}[ -]?\d{3}(?!\d)/y, validate: (v) => luhnValid(digitsOf(v)) },
  { id: 'national-id-it', message: 'Italian codice fiscale', labels: ['codice fiscale', 'cod. fisc', 'cod.fisc', 'c.f.'], value: /[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])/iy, validate: codiceFiscaleValid },
  { id: 'national-id-in', message: 'Indian Aadhaar number', labels: ['aadhaar', 'aadhar', 'uidai'], value: /[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?!\d)/y, validate: notAllSame },
  { id: 'tax-id-de', message: 'German tax id', labels: ['steuer-id', 'steuerid', 'steuer id', 'steuer-identifikationsnummer', 'steueridentifikationsnummer', 'steuerliche identifikationsnummer', 'idnr'], value: /\d{2} ?\d{3} ?\d{3} ?\d{3}(?!\d)/y, validate: notAllSame },
  { id: 'national-id-se', message: 'Swedish personal identity number', labels: ['personnummer', 'personal identity number'], value: /(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)/y, validate: notAllSame },
  { id: 'national-id-fr', message: 'French social security number (NIR)', labels: ['insee', 'nir', 'sécurité sociale', 'securite sociale', 'carte vitale'], value: /[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?!\d)/iy, validate: nirValid },
  { id: 'national-id-be', message: 'Belgian national register number', labels: ['rijksregisternummer', 'rijksregister', 'registre national', 'numéro national', 'national number', 'NISS', 'INSZ', 'RRN'],
    value: /\d{2}\.?\d{2}\.?\d{2}[- ]?\d{3}\.?\d{2}(?!\d)/y, validate: belgianNnValid },
  { id: 'health-id-uk', message: 'NHS number', labels: ['NHS'], exactCase: true, value: /\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/y, validate: nhsValid },
  { id: 'passport', message: 'passport number', labels: ['passport', 'reisepass', 'passeport', 'pasaporte', 'passaporto', 'paspoort', 'passnummer'],
    value: /(?=[A-Z0-9]{0,9}\d[A-Z0-9]{0,9}\d)[A-Z0-9]{6,10}(?![A-Za-z0-9])/y },
  { id: 'national-id', message: 'identity or tax number', labels: ['national id', 'national identity', 'identity card', 'identity document', 'id card', 'id-nr', 'personalausweis', 'tax id', 'tax identification', 'taxpayer id'],
    value: /(?=[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d)[A-Z0-9][A-Z0-9-]{3,16}(?: ?[A-Z0-9]{1,8}){0,3}(?![A-Za-z0-9])/y },
  { id: 'national-id', message: 'identity or tax number', labels: ['PESEL', 'CURP', 'RUT', 'HKID', 'NRIC', 'MyKad', 'TFN', 'PPS', 'PPSN', 'ITIN', 'EIN'], exactCase: true,
    value: /(?=[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d[A-Z0-9 -]{0,20}\d)[A-Z0-9][A-Z0-9-]{3,16}(?: ?[A-Z0-9]{1,8}){0,3}(?![A-Za-z0-9])/y },
  { id: 'date-of-birth', message: 'date of birth', labels: ['date of birth', 'birth date', 'birthdate', 'born on', 'born', 'geburtsdatum', 'geb.', 'geb. am', 'geboren am', 'geboren', 'fecha de nacimiento', 'nacido el', 'nacida el',
      'date de naissance', 'né le', 'née le', 'data di nascita', 'nato il', 'nata il', 'data de nascimento', 'nascido em', 'nascida em', 'geboortedatum', 'geboren op', 'data urodzenia',
      'urodzony', 'urodzona', 'födelsedatum', 'syntymäaika', 'd.o.b', 'dob'],
    value: new RegExp(DATE_VALUE, 'iuy') },
  // a labelled postal address: the label (in several languages), `:` or `=`, then a line holding a number and a word
  { id: 'address', message: 'street address', labels: ['address', 'adresse', 'anschrift', 'dirección', 'direccion', 'indirizzo', 'endereço', 'endereco', 'adres'],
    value: /(?=[^\n;|]{0,40}\d)[^\n;|"'<>{}]{6,100}/y, needsColon: true,
    validate: (v) => /\p{L}{3,}/u.test(v) && /(?:^|\D)\d{1,5}(?:\D|$)/.test(v) && !/@|0x|^[\d.:\s/-]+$|https?:|:\d{2,5}\b|localhost|\.(?:com|net|org|io|local|internal|lan)\b|\b(?:port|mac|ip|memory|space|bus|register|offset|pointer)\b/i.test(v) },
  // a person's name in a field that names a person
  { id: 'person', message: 'person name', labels: ['full name', 'first name', 'last name', 'given name', 'family name', 'surname', 'customer name', 'patient name', 'contact name', 'cardholder', 'account holder', 'passenger name', 'employee name'],
    value: /\p{Lu}[\p{Ll}'’-]+(?: (?:\p{Lu}[\p{Ll}'’-]+|(?:de|da|di|del|van|von|der|la|le|bin|al)))*(?: \p{Lu}[\p{Ll}'’-]+)?/uy, needsColon: true, anyDigits: true },
];
/** One automaton per pass: labels of values with digits (searched before digit runs), and of person fields. */
function labelAutomaton(rules: readonly LabelledIdRule[]): { ac: Automaton; words: { word: string; rule: LabelledIdRule }[] } {
  const words: { word: string; rule: LabelledIdRule }[] = [];
  for (const rule of rules) {
    for (const l of rule.labels) {
      const variants = l.includes(' ') ? [l, l.replace(/ /g, '_'), l.replace(/ /g, '-'), l.replace(/ /g, '')] : [l];
      for (const v of variants) words.push({ word: v, rule });
    }
  }
  return { ac: buildAutomaton(words.map((w) => w.word)), words };
}
const ID_LABELS = labelAutomaton(LABELLED_ID_RULES.filter((r) => !r.anyDigits));
const L_CLS = ID_LABELS.ac.cls;
const L_TABLE = ID_LABELS.ac.table;
const L_ACCEPT = ID_LABELS.ac.accept;
const L_START = ID_LABELS.ac.start;

/** Between a label and its value: `number`, `no.`, `nr`, `#`, `:`, `is`, quotes, a closing bracket (`(SSN)`): at most 24 characters. */
const ID_SEP_RE = /(?:[ \t_-]*(?:number|numbers|no\.?|nr\.?|n[uú]m(?:ber|mer|er|[ée]ro|ero)?\.?|n[°º]|#|\(s\)))?["']?[ \t]*[)\]]?[ \t]*(?:is|was|ist|es|est|[:=#–-])?[ \t]*["'(]?/iy;

/**
 * Labels are found by an automaton that steps in scanText's pass over the text; a label counts only when a
 * digit run starts within this many characters after it (a value holds a digit within 44 characters: 24 of
 * separator, at most 20 before its first digit).
 */
const ID_WINDOW = 48;
function findLabelledNationalIds(text: string, out: Finding[]): void {
  const { outsById, nc } = ID_LABELS.ac;
  let r = 0;
  for (let x = 0; x < lhitCount; x += 2) {
    const i = LHITS[x]!;
    // a value holds a digit within ID_WINDOW characters of its label's end: the next digit run decides
    while (r < runCount && RUN_S[r]! <= i) r++;
    if (r === runCount || RUN_S[r]! - i > ID_WINDOW) continue;
    for (const wi of outsById[(LHITS[x + 1]! / nc) | 0]!) {
      const { word, rule } = ID_LABELS.words[wi]!;
      const st = i + 1 - word.length;
      if (st > 0 && isLetterAt(text, st - 1)) continue; // inside a word
      if (isLetterAt(text, i + 1)) continue;
      if (rule.exactCase && !text.startsWith(word, st)) continue;
      labelledValueAt(text, i + 1, rule, out);
    }
  }
}

/**
 * Names in fields that name a person (`full_name: …`, `Cardholder: …`). Every such label ends in `name` or
 * `holder`: native searches find those (in the usual cases), and the words before them are compared with
 * the labels, joiners (` `, `_`, `-`) dropped.
 */
const FIELD_LABEL_KEYS = new Map<string, LabelledIdRule>();
for (const r of LABELLED_ID_RULES.filter((x) => !!x.anyDigits)) for (const l of r.labels) FIELD_LABEL_KEYS.set(l.replace(/[ _-]/g, ''), r);
const FIELD_TAILS = ['name', 'Name', 'NAME', 'holder', 'Holder', 'HOLDER'];
function findPersonFields(text: string, out: Finding[]): void {
  for (const tail of FIELD_TAILS) {
    for (let i = text.indexOf(tail); i >= 0; i = text.indexOf(tail, i + tail.length)) {
      const end = i + tail.length;
      if (isLetterAt(text, end)) continue;
      // a field: `:` or `=` follows (past a closing quote or bracket and blanks), as labelledValueAt requires
      let q = end;
      while (q < end + 6 && (text.charCodeAt(q) === 34 || text.charCodeAt(q) === 39 || text.charCodeAt(q) === 93 || text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9)) q++;
      if (text.charCodeAt(q) !== 58 && text.charCodeAt(q) !== 61) continue;
      // the label: letters and joiners before the tail, at most 24 characters
      let st = i;
      while (st > 0 && i - st < 24) {
        const c = text.charCodeAt(st - 1);
        if (!(isAsciiLetterCode(c) || c === 32 || c === 95 || c === 45)) break;
        st--;
      }
      // try each word boundary from the farthest: `customer name`, then `name` alone is no label
      for (let k = st; k < i; k++) {
        if (k > 0 && isAsciiLetterCode(text.charCodeAt(k - 1))) continue;
        if (!isAsciiLetterCode(text.charCodeAt(k))) continue;
        const rule = FIELD_LABEL_KEYS.get(text.slice(k, end).replace(/[ _-]/g, '').toLowerCase());
        if (rule) {
          labelledValueAt(text, end, rule, out);
          break;
        }
      }
    }
  }
}

/** The value after a label ending at `after`, checked and reported. */
function labelledValueAt(text: string, after: number, rule: LabelledIdRule, out: Finding[]): void {
  ID_SEP_RE.lastIndex = after;
  const sep = ID_SEP_RE.exec(text);
  if (rule.needsColon && !(sep && /[:=]/.test(sep[0]))) return;
  const vs = after + (sep ? sep[0].length : 0);
  rule.value.lastIndex = vs;
  const v = rule.value.exec(text);
  if (!v) return;
  const value = v[0].trimEnd();
  if (rule.validate && !rule.validate(value)) return;
  out.push(mk(rule.id, vs, vs + value.length, 0.85, 'medium', rule.message));
}

const LOWER_CUE_RE = /\b(?:my name is|name is|calls me|call me|i am|i'm|heard|named|user:|this is)\s+([a-zà-öø-ÿ\u0100-\u017f]{3,})(?: ([a-zà-öø-ÿ\u0100-\u017f]{3,}))?/g;
function findPersonsLowerCue(text: string, out: Finding[]): void {
  LOWER_CUE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LOWER_CUE_RE.exec(text)) !== null) {
    const w1 = m[1]!;
    if (LOWER_STOP.has(w1) || NOT_NAME.has(w1) || PLACES.has(w1) || /(?:ing|ed|ly)$/.test(w1)) continue;
    const w2 = m[2];
    const twoNames = w2 !== undefined && !LOWER_STOP.has(w2) && !NOT_NAME.has(w2) && !/(?:ing|ed|ly)$/.test(w2) && (/(?:speak|talk|sing|say)/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 8)) || SURNAME_SUFFIX_RE.test(w2) || SURNAMES.has(w2) || FIRST_NAMES.has(w1));
    if (!twoNames && !FIRST_NAMES.has(w1) && !/^(?:my name is|name is|calls me|call me)/.test(m[0])) continue;
    const s = m.index + m[0].length - (m[2] !== undefined ? m[2].length + 1 : 0) - w1.length;
    const e = twoNames ? m.index + m[0].length : s + w1.length;
    out.push(mk('person', s, e, 0.65, 'medium', 'person name'));
  }
}


/** The same test as `includes('icens') || includes('assport') || includes('ICENS') || includes('ASSPORT')`, in one scan. */
const LABEL_HINT_RE = /icen[cs]|assport|ICEN[CS]|ASSPORT/;

export function detectPii(text: string): Finding[] {
  const out: Finding[] = [];
  scanText(text);
  if (sawAt) findEmails(text, out);
  // numbers, IBANs, NI numbers and labelled document numbers all need digits
  const hasDigit = runCount > 0;
  if (hasDigit) {
    if (digitCount >= 4 && numbersPossible()) findNumbers(text, out); // every finding there holds 4+ digits
    if (ibanPossible(text)) findIbans(text, out);
  }
  if (sawV6Hint) findIpv6(text, out);
  if (hasDigit && ninoPossible(text)) findNino(text, out);
  if (hasDigit && letterBeforeDigits(text) && LABEL_HINT_RE.test(text)) findLabelledIds(text, out);
  if (digitCount >= 5) findLabelledNationalIds(text, out);
  findPersonFields(text, out);
  findPersons(text, out);
  if (!sawUpper) {
    findPersonsLower(text, out);
    findPersonsLowerCue(text, out);
  }
  findAddresses(text, out);
  return dedupe(out);
}

export const piiDetector: TextDetector = {
  id: 'pii',
  detect: detectPii,
};
