"""Names that are the same name: other spellings, other languages' forms, nicknames and short forms.

Two kinds of relation, because they behave differently for brothers and sisters:

* spellings (one line, every word the same name): Mohammed = Muhammad, Aleksander =
  Alexander. Any two words on a line are variants of each other.
* nicknames ("head: short forms"): Alfie and Freddie are both short for Alfred, and are
  each a variant of Alfred, but not of each other; two brothers may be Alfie and Freddie.

Spellings that differ only in vowels or doubled letters are also caught by the sound key
in `standardise`; these lists are for what a sound key cannot see (Bill for William).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

FORENAME_SPELLINGS = """
abdullah abdallah abdulla
ahmed ahmad ahmet ahmat
aisha ayesha aysha aishah ayshah aicha
aleksandra alexandra oleksandra
alexander aleksander alexandr aleksandr oleksandr olexandr alessandro alejandro
andrew andrzej andrei andrij andriy andreas
anna ana ania anya
anthony antony antoni anton antonio
catherine katherine kathryn katharine catharine katarzyna kathrine
charles karol carlos
christopher kristopher krzysztof
christina christine kristina krystyna
daniel danyal daniyal
david dawid davide
dmitri dmitry dmytro
dominic dominik dominick
elizabeth elzbieta elisabeth
emily emilia emilie emilija
fatima fatimah fatma fatema
francis franciszek francesco
frederick fryderyk frederik
gabriel gabriela gabriella gabrielle
george jerzy georgios yiorgos
grzegorz gregory
hamza hamzah hamsa
hannah hanna
henry henryk
ibrahim ebrahim ibraheem
isabel isabelle isabella izabela isobel
jacob jakob jakub
john jon
joseph jozef
julia yulia yuliya
khadija khadijah khadeeja
lewis louis luis ludwik
lucas lukas lukasz
lucy lucia lucja
maria marie mary mariya marija
maryam mariam maryum
matthew mathew mateusz matteo matej
michael michal mikhail mihai
mohammed muhammad mohammad mohamed mohamad muhammed mohd mahomed
mustafa mostafa moustafa
natalia natalya nataliya natalie
nicholas mikolaj nikolai nicolas
omar umar omer
osman uthman othman usman
patrick patryk
paul pawel pavel paulo paolo
peter piotr pyotr pedro pietro
philip phillip filip
sergei sergey serhiy sergiy
sophie sophia sofia zofia
stanislaw stanislav
stephen steven stefan stephan szczepan esteban
tatiana tatyana
thomas tomas tomasz tommaso
yuri yury iurii yurii
yusuf yousef youssef yosef jusuf yousuf
zainab zaynab zeinab
"""

FORENAME_NICKNAMES = """
abigail: abbie abby abi gail
adam: ade
agnieszka: aga
aleksandra: ola sasha sandra lexi lexie alexa
alexander: alex alec alek sasha sandy xander lex olek
alfred: alfie alf fred freddie
alice: allie
amelia: millie
andrew: andy drew
angela: angie
anna: annie
anthony: tony
arthur: art artie
barbara: babs basia
benjamin: ben benji benny
catherine: cathy kathy kate katie katy cat kat kitty kasia
charles: charlie chas
charlotte: lottie lotti charlie
christian: chris
christopher: chris kit
daniel: dan danny dani
david: dave davey
deborah: debbie deb
dmitri: dima
dominic: dom
edward: ed eddie ted teddy ned
eleanor: ellie nell nellie
elizabeth: liz lizzie libby beth betty eliza bess bessie ela
emma: emmy
evelyn: eve evie
florence: flo florrie
frances: fran frankie
francis: frank frankie franek
frederick: freddie fred freddy
gabriel: gabe gabi
george: georgie
georgia: georgie
gregory: greg
harold: harry hal
harriet: hattie
henry: harry hal hank
isabel: izzy izzie bella belle issy
jacob: jake kuba
james: jim jimmy jamie
jennifer: jenny jen
jessica: jess jessie
joanna: jo asia joasia
john: jack johnny jonny
jonathan: jonny
joseph: joe joey jo
joshua: josh
julia: jula
katarzyna: kasia
kenneth: ken kenny
lawrence: larry laurie
leonard: len lenny
louisa: lou lulu
magdalena: magda
malgorzata: gosia
margaret: maggie meg peggy greta gosia
matthew: matt matty mati
michael: mike mikey mick micky misha
mohammed: mo
nathaniel: nat nate
nicholas: nick nicky nico
nicola: nicky nikki
oliver: olly ollie
olivia: liv livvy
patrick: pat paddy
penelope: penny
peter: pete
philip: phil pip
rebecca: becky becca bex
richard: rich richie rick ricky
robert: rob robbie bob bobby
ronald: ron ronnie
rosemary: rosie
samantha: sam sammy
samuel: sam sammy
sarah: sally sadie
sebastian: seb
sophie: zosia
stanislaw: stan stas
stanley: stan
stephen: steve stevie
susan: sue suzie susie
tatiana: tanya
theodore: theo ted teddy
thomas: tom tommy
timothy: tim timmy
tobias: toby
victoria: vicky tori vikki
vincent: vince vinny
william: will bill billy willie wills
wojciech: wojtek
zachary: zach zac zack zak
zuzanna: zuzia
"""

SURNAME_SPELLINGS = """
ahmed ahmad
ali aly
chaudhry chowdhury choudhury chaudhary choudhry chaudry chowdhry
chen chan
hussain hussein husain hossain hosein
khan kahn
li lee
macdonald mcdonald
mackenzie mckenzie
mohammed muhammad mohammad mohamed mohamad muhammed
rahman rehman
shaikh sheikh sheik
smith smyth
wang wong
zhang chang
"""


@dataclass(frozen=True)
class NameVariants:
    """For each listed word: its usual spelling, and the names it is a nickname of."""

    spelling: dict[str, str]
    nickname_of: dict[str, frozenset[str]]

    def usual_spelling(self, word: str) -> str:
        """The first spelling on the word's line, or the word itself."""
        return self.spelling.get(word, word)

    def full_names(self, word: str) -> frozenset[str]:
        """The names (in their usual spelling) this word is a nickname or short form of."""
        return self.nickname_of.get(word, frozenset())


def _read(spellings: str, nicknames: str) -> NameVariants:
    spelling: dict[str, str] = {}
    for line in spellings.strip().splitlines():
        words = line.split()
        for word in words:
            spelling.setdefault(word, words[0])
    nickname_of: dict[str, set[str]] = {}
    for line in nicknames.strip().splitlines():
        head, _, short_forms = line.partition(":")
        for word in short_forms.split():
            nickname_of.setdefault(word, set()).add(spelling.get(head.strip(), head.strip()))
    return NameVariants(spelling, {w: frozenset(h) for w, h in nickname_of.items()})


@cache
def forename_variants() -> NameVariants:
    """Spellings and nicknames of first names."""
    return _read(FORENAME_SPELLINGS, FORENAME_NICKNAMES)


@cache
def surname_variants() -> NameVariants:
    """Spellings of surnames (surnames have no nicknames)."""
    return _read(SURNAME_SPELLINGS, "")
