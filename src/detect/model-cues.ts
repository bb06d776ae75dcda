/**
 * Scorer cues added for issue 17's families that the first cue set missed (session 6). Kept apart from
 * model.ts's scoring loop so the two can change independently: model.ts appends these to its cue list,
 * gates, conjunction pairs and trigger lexicon; nothing else about scoring changes.
 *
 * Each cue is a relation, not a phrase: indirect ways of addressing the model — a claim to speak for the
 * user, work items planted for an AI, "whoever is processing this" (`addr2`) —, chat-template tokens and
 * end-of-data / end-of-turn markers incl. the gateway's own marker (`turn2`), instruction lexicons of other
 * languages (`ml_lex`), and URLs whose query values are placeholders to be filled with data (`sink_ph`).
 *
 * Same rules as model.ts's cues: they run on the model view (normalised, lower-cased, diacritics folded),
 * use bounded gaps only, and `[ \t]` rather than `\s` after line starts (linear time).
 */

const AI2 = String.raw`(?:ai|a\.i\.|llms?|assistants?|models?|language\s+models?|chat\s?bots?|bots?|agents?|copilot|claude|gpt|chatgpt|gemini|automation|summari[sz]ers?)`;

export const EXTRA_CUES: [string, RegExp][] = [
  [
    // the model addressed indirectly: "whoever is processing this", "if you are an AI", a work item planted for it
    // (TODO(ai):, @assistant, "[ ] agent task"), or a claim to speak for the user ("message from the user",
    // "the person you're helping wants you to", "your real task is")
    'addr2',
    new RegExp(
      String.raw`\b(?:whoever|whatever|the\s+(?:program|system|automation|tool|process))\s+(?:is\s+)?(?:reading|processing|summari[sz]ing|parsing|ingesting|handling|reads|processes|summari[sz]es|parses|ingests|handles)\s+(?:this|these)\b` +
        String.raw`|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|llm|language\s+model|automated|bot|agent|assistant|model|chatbot)\b` +
        String.raw`|\(\s*${AI2}\s+only\s*\)|\bfor\s+(?:the\s+)?${AI2}\s+in\s+the\s+loop\b|\bany\s+(?:ai|llm|automated|agent|model)\w*\s+(?:reading|processing|handling|summari[sz]ing)\b` +
        String.raw`|` +
        String.raw`\b(?:todo|fixme|xxx|note|nb|action(?:\s+item)?|task)\s*(?:\(\s*|@|:\s*|-+>?\s*|→\s*|for\s+(?:the\s+|any\s+)?|to\s+(?:the\s+|any\s+)?)${AI2}\b` +
        String.raw`|\[\s?\][ \t]*(?:the\s+)?${AI2}\b` +
        String.raw`|(?:^|[\s(/*#>])@(?:ai|llm|agent|assistant|copilot|bot|model|claude|gpt)\b` +
        String.raw`|` +
        String.raw`\b(?:message|note|request|instructions?|follow-?up)\s+(?:relayed\s+|forwarded\s+|passed\s+on\s+)?from\s+(?:the\s+|your\s+)?(?:user|human|customer|account\s+(?:holder|owner))\b` +
        String.raw`|\b(?:relayed|forwarded|passed\s+(?:this\s+)?on)\s+(?:from|by)\s+(?:the\s+|your\s+)?(?:user|human|customer)\b` +
        String.raw`|\b(?:user|human|customer|account\s+(?:holder|owner)|person\s+(?:you(?:'re|\s+are)\s+(?:helping|assisting|chatting\s+with)|who\s+asked(?:\s+you)?))(?:'s)?\s+(?:also\s+|actually\s+|really\s+|now\s+|has\s+(?:already\s+)?|had\s+)?(?:wants?|asked|asks|requests?|requested|would\s+like|needs?|approved|agreed|confirmed|pre-?confirmed|authori[sz]ed|left\s+this)\b[^.\n]{0,24}?\b(?:you|the\s+following)\b` +
        String.raw`|\b(?:your|the)\s+(?:real|actual|true|new|updated|revised)\s+(?:task|job|assignment|objective|goal|mission|instructions?|priority|purpose|orders?)\b` +
        String.raw`|\b(?:actual|real)\s+(?:task|assignment|request)\s+(?:for|of)\s+(?:the\s+|this\s+|any\s+)?${AI2}\b`,
      'g',
    ),
  ],
  [
    'turn2',
    new RegExp(
      String.raw`<\|[a-z_]{2,24}\|>|<\/?(?:start|end)_of_turn>|<<\/?sys>>|\[\/?inst\]|#{2,4}[ \t]*(?:human|assistant|system|user|instruction|response)\b` +
        String.raw`|\b(?:new|next)\s+(?:user\s+|system\s+)?turn\b|\b(?:assistant|user|system)\s+turn\b` +
        String.raw`|<\/[a-z_]{0,20}(?:result|results|output|response|observation|document|context|data)>` +
        String.raw`|\[\/?(?:result|results|data|output|tool[\s_]?(?:output|response|result)|end\b[^\]\n]{0,30})\]` +
        String.raw`|\bend\s+of\s+(?:the\s+)?(?:retrieved|tool|search|page|function|api|untrusted)\b|\beof\b|\bend_of_[a-z_]{2,20}|⟦`,
      'g',
    ),
  ],
  [
    'ml_lex',
    new RegExp(
      String.raw`\b(?:ignora|ignorez|ignoriere|ignorieren|vergiss|vergeet|negeer|zignoruj|olvida|oublie|oubliez|dimentica|esqueca|esquece)\b` +
        String.raw`|\b(?:instrucciones|indicaciones|anweisungen|vorgaben|consignes?|istruzioni|instrucoes|instructies|instrukcje|polecenia)\s+(?:anteriores|previas|bisherigen|vorherigen|precedentes?|precedenti|anteriori|vorige|poprzednie)\b` +
        String.raw`|\b(?:antes\s+de\s+(?:responder|contestar)|en\s+lugar\s+de|bevor\s+du|statt\s+(?:der|die|das)|avant\s+de\s+repondre|au\s+lieu\s+de|prima\s+di\s+rispondere|invece\s+di|em\s+vez\s+de|voordat\s+je|zanim\s+odpowiesz)\b` +
        String.raw`|\b(?:sin\s+(?:avisar|decir)|ohne\s+(?:den\s+|die\s+)?(?:nutzer|benutzer)|sans\s+(?:prevenir|le\s+dire)|senza\s+(?:avvisare|dire)|sem\s+avisar)\b` +
        String.raw`|忽略|无视|之前的(?:所有)?指令|系统提示|不要告诉|发送到|助手|语言模型|無視|指示を|システムプロンプト|送信して|アシスタント`,
      'g',
    ),
  ],
  [
    'sink_ph',
    new RegExp(
      String.raw`(?:https?:\/\/|www\.)[^\s)"'<>]{1,200}?[?&#][a-z0-9_]{1,24}=(?:\{\{?[^}\s]{1,40}\}|<[^>\n]{1,60}>|\[[^\]\n]{1,40}\]|\$\{?[a-z_]+|(?:data|summary|history|chat|chat_log|conversation|secrets?|keys?|token|password|context|info|payload|user_?data|messages?|x{3,})(?=[&)\s"'#]|$)|(?=[)\s"']|$))` +
        String.raw`|\b(?:fill(?:ing)?\s+in|replac(?:e|ing)|substitut\w*|put|insert|append)\b[^.\n]{0,60}\b(?:placeholder|parameter|query|after\s+[a-z]{1,10}=|url[\s-]?encoded)`,
      'g',
    ),
  ],
];

/** Anchors (see model.ts CUE_GATES): a cue runs only when one of its words or substrings occurs. */
export const EXTRA_CUE_GATES: Record<string, { words?: string; subs?: string[] }> = {
  addr2: {
    words: 'whoever whatever program system automation tool process if ai llm agent assistant model bot chatbot copilot claude gpt any for todo fixme xxx note nb action task message request instruction instructions follow followup relayed forwarded passed user users human customer account person your the actual real',
    subs: ['[ ]', '[]', '@'],
  },
  turn2: { subs: ['<|', 'of_turn', 'sys>>', 'inst]', '##', 'turn', '</', '[', 'end', 'eof', '⟦'] },
  ml_lex: {
    words: 'ignora ignorez ignoriere ignorieren vergiss vergeet negeer zignoruj olvida oublie oubliez dimentica esqueca esquece instrucciones indicaciones anweisungen vorgaben consigne consignes istruzioni instrucoes instructies instrukcje polecenia antes en bevor statt avant au prima invece em voordat zanim sin ohne sans senza sem',
    subs: ['忽略', '无视', '指令', '系统提示', '不要告诉', '发送到', '助手', '语言模型', '無視', '指示を', 'システムプロンプト', '送信して', 'アシスタント'],
  },
  sink_ph: { words: 'fill filling replace replacing substitute substituting put insert append', subs: ['='] },
};

/** Conjunctions with the base cues (names from model.ts). */
export const EXTRA_PAIRS: [string, string][] = [
  ['addr2', 'imp'], ['addr2', 'you'], ['addr2', 'sens'], ['turn2', 'imp'], ['turn2', 'you'],
  ['turn2', 'sens'], ['ml_lex', 'addr'], ['ml_lex', 'addr_any'], ['sink_ph', 'sink_mdimg'], ['sink_ph', 'sens'], ['addr2', 'seq'],
];

/** Extra trigger words matched within one edit (model.ts `typoTrigger`). */
export const EXTRA_TRIGGERS = ['guidance', 'directive', 'request', 'requested', 'disclose', 'include', 'append', 'render', 'recommend', 'approve', 'delete', 'instruct', 'authorised', 'authorized', 'assistants', 'anything', 'everything', 'verbatim', 'hidden', 'summarizing', 'summarising', 'translation'];
