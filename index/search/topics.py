"""The subjects councils' reports are about: a service list for telling a subject the reports
never discuss from one they discuss in other words.

A question about "climate change" at a council whose report never mentions the climate, the
carbon, net zero or emissions is about a subject the report does not discuss, however many
of the question's other words ("change", "targets") it shares. Each subject has the words
an officer asks it by (`asked`) and those a report discussing it would use (`said`, a wider
net: a subject counts as discussed when any of them is in scope). The list follows the
services and corporate functions of English councils; it names no question's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """A subject councils' reports discuss: how a question names it, how a report does."""

    name: str
    asked: re.Pattern[str]
    said: re.Pattern[str]


def _subject(name: str, asked: str, said: str = "") -> Subject:
    flags = re.IGNORECASE
    return Subject(
        name, re.compile(rf"\b(?:{asked})\b", flags), re.compile(rf"\b(?:{said or asked})", flags)
    )


SUBJECTS: tuple[Subject, ...] = (
    _subject(
        "climate change",
        # "the financial climate" is no climate change
        r"climate (?:change|emergency|crisis|action|strategy|targets?)|carbon|net[- ]zero|"
        r"emissions?|decarboni[sz]\w*|greenhouse|global warming",
        r"climate|carbon|net[- ]zero|emissions?|decarboni[sz]|greenhouse|global warming",
    ),
    _subject(
        "energy",
        r"energy (?:bills?|costs?|efficien\w*|prices?|use|usage|consumption|savings?)|"
        r"renewables?|solar|retrofit\w*",
        r"energy (?:bills?|costs?|efficien|prices?|use|usage|consumption|saving)|renewable|"
        r"solar|retrofit|carbon",
    ),
    _subject("libraries", r"librar(?:y|ies)", r"librar"),
    _subject(
        "leisure and sport",
        r"leisure(?: centres?| services?)?|sports?(?: centres?| facilities)?|swimming|gyms?",
        r"leisure|sport|swimming|gym",
    ),
    _subject(
        "culture and heritage",
        r"museums?|heritage|theatres?|galler(?:y|ies)|arts (?:council|centres?|venues?)",
        r"museum|heritage|theatre|galler|\barts\b|cultural",
    ),
    _subject("tourism", r"touris[mt]s?|visitor economy", r"touris|visitor"),
    _subject(
        "parks",
        r"parks?|green spaces?|open spaces?|playgrounds?",
        r"park|green space|open space|playground",
    ),
    _subject("parking", r"parking|car parks?", r"parking|car park"),
    _subject(
        "roads",
        r"potholes?|highways?|road (?:maintenance|repairs?|safety)|street ?lighting|gritting",
        r"pothole|highway|road|street ?light|gritting|transport",
    ),
    _subject(
        "transport",
        r"buses|bus (?:services?|routes?)|public transport|cycling|cycle (?:lanes?|routes?)|"
        r"train (?:services?|stations?|lines?)|railways?|rail",
        r"transport|\bbus|rail|cycl|travel|train",
    ),
    _subject(
        "waste and recycling",
        # "a waste of time" is no waste service
        r"bins?|waste (?:collections?|services?|management|disposal)|recycling|refuse|"
        r"fly[- ]?tipping|litter|street cleansing|rubbish",
        r"\bbins?\b|\bwaste\b(?! of)|recycl|refuse (?:collection|service)|fly[- ]?tipping|litter|"
        r"cleansing",
    ),
    _subject("flooding", r"flood(?:s|ing)?|drainage", r"flood|drainage"),
    _subject(
        "planning",
        r"planning (?:applications?|committee|permission|decisions?|appeals?|enforcement)|"
        r"local plan|building control",
        r"planning (?:applications?|committee|permission|decisions?|appeals?|enforcement|"
        r"service|department|policy|performance|function)|local plan|development management|"
        r"building control",
    ),
    _subject(
        "housing repairs",
        # "repairing the relationship" is no housing repair
        r"repairs|damp|mould|housing maintenance",
        r"repair|damp|mould|(?:housing|home|homes|property|stock|responsive|planned) maintenance",
    ),
    _subject("homelessness", r"homeless\w*|rough sleep\w*", r"homeless|rough sleep"),
    _subject(
        "temporary accommodation",
        r"temporary accommodation|bed and breakfast|hostels?",
        r"temporary accommodation|bed and breakfast|hostel",
    ),
    _subject(
        "the housing revenue account",
        r"housing revenue account|hra",
        r"housing revenue account|\bhra\b",
    ),
    _subject(
        "affordable housing",
        r"affordable (?:homes?|housing)|social housing|social rent\w*|shared ownership",
        r"affordable|social housing|social rent|shared ownership",
    ),
    _subject(
        "adult social care",
        r"adult social care|adults'? services|care homes?|domiciliary care|home care|"
        r"older people|carers?",
        r"adult|social care|care home|domiciliary|home care|older people|carer",
    ),
    _subject(
        "children's services",
        r"children'?s (?:services?|social care|social work)|child protection|"
        r"safeguarding children|looked after children|children in care|foster (?:care|carers?)|"
        r"care leavers?",
        r"child|safeguarding|foster|adoption|care leaver|looked after",
    ),
    _subject(
        "schools",
        r"schools?|pupils?|academ(?:y|ies)|attainment|exam results",
        r"school|pupil|academ|attainment|education",
    ),
    _subject(
        "special educational needs",
        r"special educational needs|ehcps?|education,? health and care plans?",
        r"special educational|\bsend\b|\bsen\b|ehcp|disabilit",
    ),
    _subject(
        "public health",
        r"public health|obesity|smoking|drugs?|alcohol|sexual health|mental health|"
        r"health inequalit(?:y|ies)",
        r"public health|obesity|smoking|drug|alcohol|sexual health|mental health|"
        r"health inequalit|wellbeing|well-being",
    ),
    _subject(
        "community safety",
        r"crime|anti[- ]social behaviour|community safety|policing|police",
        r"crime|anti[- ]social|community safety|polic|safer",
    ),
    _subject("licensing", r"licensing|licences?|taxis?", r"licens|licenc|taxi"),
    _subject(
        "council tax or business rates",
        r"council tax|business rates|nndr",
        r"council tax|business rates|\brates\b|nndr|precept",
    ),
    _subject(
        "benefits and welfare",
        r"housing benefits?|universal credit|welfare|benefits? claimants?|council tax support",
        r"benefit|welfare|universal credit|council tax support|poverty",
    ),
    _subject(
        "procurement",
        r"procurement|procuring|suppliers?|supply chains?|tender(?:s|ing)?|"
        r"contracts? management|managing contracts",
        r"procure|procuring|supplier|supply chain|tender",
    ),
    _subject("pensions", r"pensions?", r"pension"),
    _subject(
        "risk management",
        r"risk (?:registers?|management|appetite)|managing risks?",
        r"risks? (?:register|management|appetite)|manag\w* (?:the |its )?risk",
    ),
    _subject(
        "online services",
        r"self[- ]service|channel shift|online services?|digital by default|apps?",
        r"self[- ]service|channel shift|online|digital|website|\bapps?\b|web",
    ),
    _subject(
        "cyber security",
        r"cyber\w*|information security|data breach(?:es)?|ransomware|hack(?:s|ing|ers?)?",
        r"cyber|information security|data breach|ransomware|hack",
    ),
    _subject(
        "data protection",
        r"gdpr|data protection|freedom of information|foi",
        r"gdpr|data protection|freedom of information|\bfoi\b",
    ),
    _subject(
        "customer services",
        r"customer services?|contact centre|call centre|complaints?",
        r"customer|contact centre|call centre|complain|front door",
    ),
    _subject("elections", r"elections?|electoral|voting|polling", r"election|electoral|vot|poll"),
    _subject(
        "equalities",
        r"equalit(?:y|ies)|diversity|inclusion|inclusive|protected characteristics?|"
        r"discriminat\w*|racism|racial|race equality|gender pay",
        r"equalit|divers|inclusi|protected characteristic|discriminat|racis|racial|\brace\b|"
        r"gender|ethnic|bame",
    ),
    _subject(
        "staff survey",
        r"(?:staff|employee|workforce|pulse|opinion) surveys?|staff satisfaction",
        r"(?:staff|employee|workforce|pulse|opinion) survey|survey of (?:staff|employees)|"
        r"staff satisfaction",
    ),
    _subject(
        "pay",
        r"pay (?:rises?|awards?|increases?|claims?|policy|scales?|deals?|freeze)|"
        r"salar(?:y|ies)|wages?|remuneration",
        r"\bpay\b|salar|wage|remuneration|reward",
    ),
    _subject("apprenticeships", r"apprentice\w*", r"apprentice|trainee|graduate"),
    _subject("sickness absence", r"sickness|absence rates?|staff absence", r"sickness|absence"),
    _subject(
        "trade unions",
        r"trade unions?|unions?|industrial action",
        r"union|industrial action|strike",
    ),
    _subject(
        "voluntary sector",
        r"voluntary (?:sector|and community)|vcse?|charit(?:y|ies)|third sector|volunteer\w*",
        r"voluntary|\bvcse?\b|charit|third sector|volunteer|community sector|community group",
    ),
    _subject(
        "covid", r"covid\w*|pandemic|coronavirus|lockdowns?", r"covid|pandemic|coronavirus|lockdown"
    ),
    _subject(
        "brexit", r"brexit|leaving the eu|eu exit", r"brexit|leaving the eu|eu exit|european union"
    ),
    _subject(
        "cost of living",
        r"cost[- ]of[- ]living|poverty|food banks?|fuel poverty|hardship",
        r"cost[- ]of[- ]living|poverty|food bank|hardship|deprivation",
    ),
    _subject("air quality", r"air quality|air pollution|pollution", r"air quality|pollution"),
    _subject(
        "environmental health",
        r"trading standards|environmental health|food hygiene|food safety",
        r"trading standards|environmental health|food hygiene|food safety",
    ),
    _subject(
        "bereavement services",
        r"cemeter(?:y|ies)|crematori\w*|bereavement",
        r"cemeter|cremat|bereavement",
    ),
    _subject(
        "youth services",
        r"youth (?:services?|clubs?|offending|work)|young people",
        r"youth|young people",
    ),
    _subject(
        "domestic abuse",
        r"domestic (?:abuse|violence)|violence against women",
        r"domestic abuse|domestic violence|violence against women",
    ),
    _subject("armed forces", r"armed forces|veterans?|military", r"armed forces|veteran|military"),
    _subject("gypsies and travellers", r"gypsy|gypsies|travellers?", r"gyps|traveller"),
)


def subjects_named(text: str) -> tuple[Subject, ...]:
    """The subjects of the list that `text` (a question's own words) names."""
    return tuple(s for s in SUBJECTS if s.asked.search(text))
