"""A realistic name model for a large simulated community (pure, no randomness of its own).

Real name frequencies are steep at the head and long in the tail: a few names are carried by many
people, most names by very few. The lists below are the head, most common first, drawn with weights
falling with their rank; made-up names stand in for the tail. Together they make namesakes (two
different people with one full name) about as common as in a real community of 100,000: about 22%
of people share their full name with someone.
"""
from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Names, most common first (their rank sets how often they are drawn).
FIRST_NAMES = """
Michael James John Robert David William Daniel Joseph Christopher Matthew Emily Sarah Jessica
Elizabeth Ashley Jennifer Anthony Andrew Joshua Ryan Nicholas Alexander Jonathan Benjamin Thomas
Hannah Samantha Katherine Olivia Emma Sophia Isabella Kevin Brian Jacob Tyler Justin Samuel Nathan
Zachary Ethan Noah Ava Mia Abigail Madison Grace Natalie Victoria Rebecca Lauren Rachel Megan Nicole
Stephanie Michelle Laura Anna María Sofia Camila Steven Richard Charles Patrick Sean Adam Aaron
Timothy Jeffrey Mark Paul Peter Gregory Kenneth Edward José Luis Carlos Juan Miguel Diego Mateo
Valentina Lucía Isabel Gabriela Daniela Alexandra Catherine Margaret Patricia Susan Deborah Kimberly
Christina Amy Melissa Julia Claire Caroline Allison Brooke Morgan Taylor Santiago Gabriel Isaac
Elijah Liam Lucas Mason Logan Owen Caleb Dylan Luke Henry Jack Wyatt Hunter Connor Evan Ian Cameron
Austin Aidan Jordan Julian Adrian Xavier Vincent Victor Kayla Alyssa Brianna Sydney Paige Haley
Jasmine Maya Priya Ananya Aisha Fatima Zainab Amara Ngozi Chiamaka Mei Ying Xin Yuki Sakura Hana
Raymond Lawrence Frederick Theodore Phillip Douglas Harold Ronald Donald Leonard Francis Óscar Arjun
Rohan Vikram Rahul Aditya Karan Wei Jun Hao Yusuf Omar Ali Hassan Ahmed Mohammed Ibrahim Jamal
Malik Darnell Tariq Kwame Chidi Emeka Hiroshi Kenji Takeshi Minh Duc Sung Jae André François Søren
Björn Jürgen Raúl Martín Julián Sebastián Nicolás Joaquín Ramón Héctor Iñigo Zoë Chloé Renée Noémie
Léa Hélène Inés Ximena Nadia Leila Yasmin Eleanor Josephine Theresa Veronica Penelope Dorothy
Madeline Jacqueline Vanessa Andrea Monica Erica Heather Kelly Lindsey Erin Shannon Kristen Danielle
Courtney Alexis Audrey Lily Ella Scarlett Aria Linh Thao Ji-woo Seo-yeon Jamie Casey Riley Avery
Quinn Kai Rowan Harper Elena Marco Luca Giulia Matteo Francesca Lorenzo Chiara Pierre Antoine Camille
Mathieu Sven Lars Ingrid Astrid Anders Pavel Dmitri Natalia Katarzyna Tomasz Agnieszka Piotr Oluwaseun
Adebayo Folake Tunde Kofi Abena Esi Deepak Sanjay Kavya Neha Pooja Sunil Ravi Anjali Ahmad Farah
Layla Mariam Khalid Samir Noor Rania Bilal Tomás Agustín Florencia Martina Benedikt Felix Lukas Jonas
Leon Paulina Hugo Zoé Gaël Maëlle Jérôme Céline Sébastien Åsa Ulrich Wolfgang Heike Dagmar
""".split()
LAST_NAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Pérez Thompson White Harris Sánchez Clark
Ramírez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyễn Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips Evans Turner Díaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutiérrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chávez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Álvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez
Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vásquez
Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole
Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison Fernández McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker
Guzmán Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz
Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
Schmidt García-López Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley
Spencer Hawkins Arnold Pierce Vázquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham
Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman
Johnston Matthews Peña Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman
Rios Estrada Ortega Watkins Greene Núñez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison
Franklin Carlson Austin Domínguez Carr Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery
Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy
Garrett Burton Fuller Wang Weber Welch Rojas Lucas Márquez Fields Park Yang Little Banks Padilla
Day Walsh Bowman Schultz Luna Fowler Mejía Davidson Acosta Brewer May Holland Juárez Newman Pearson
Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Ávila Wade Molina Stanley Hopkins
Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers
Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters
Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker Terry Hale Leon Benson Haynes
Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson Lara
Fletcher Page McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin
Daniels Simon Velásquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis
Robbins Liu Ramsey Francis Griffith Paul Blair O'Connor Cardenas Pacheco Cross Calderón Quinn Moss
Swanson Chan Rivas Khan Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry
McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess Reese Walton Blake Trujillo Adkins Brady
Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu Hines Mullins Castañeda
Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia Saunders Franco Rowe
Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton Schroeder Maxwell
Waters Logan Camacho Strickland Norman Person Colón Parsons Frank Harrington Glover Osborne Buchanan
Casey Floyd Patton Ibarra Ball Tyler Suárez Bowers Orozco Salas Cobb Gibbs Andrade Bauer Conner
Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope Lindsey Velázquez Norton
McCormick Sparks Flynn Yates Hogan Marsh Macías Villanueva Zamora Pratt Stokes Owen Ballard Lang Brock
Villarreal Charles Drake Barrera Cain Patrick Piñeda Burnett Mercado Santana Shepherd Bautista Ali
Shaffer Lamb Trevino McKenzie Hess Olsen Cochran Morton Nash Wilkins Petersen Briggs Shah Roth
Nicholson Holloway Lozano Rangel Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers Weiss
Underwood Bass Greer Summers Houston Carson Morrow Clayton Whitaker Decker Yoder Collier Zuniga Carey
Wilcox Melendez Poole Roberson Larsen Conley Davenport Copeland Massey Lam Huff Rocha Cameron Jefferson
Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk Combs Mathis Christian Skinner Bradford
Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce Atkinson Velez Meza Roy Vincent York Hodge
Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt Dalton Horn Barron Phelps Yu Dickerson
Heath Foley Atkins Mathews Bonilla Acevedo Benitez Zavala Hensley Glenn Cisneros Harrell Shields
Rubio Huffman Choi Boyer Garrison Arroyo Bond Kane Hancock Callahan Dillon Cline Wiggins Grimes
Arellano Melton O'Neill Savage Ho Beltran Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan
McDowell Marks Cantu Humphrey Baxter Sawyer Clay Tanner Hutchinson Kaufman Batista Benton Ochieng
Okafor Adeyemi Mensah Boateng Nakamura Tanaka Watanabe Suzuki Takahashi Yamamoto Sato Kowalski
Nowak Wiśniewski Wójcik Kowalczyk Müller Schröder Björk Dubois Lefèvre Côté Gagné Bélanger Rossi
Russo Ferrari Esposito Bianchi Romano Ricci Søndergaard Østergaard Łukasiewicz Hassan Haddad Nasser
Mansour Ibrahim Abdullah Rahman Hussain Iyer Reddy Nair Menon Kapoor Mehta Joshi Gupta Sharma Trần
Lê Phạm Võ Đặng
""".split() + ["Van der Berg", "De la Cruz"]

# Common real nicknames (canonical → nicknames); the import benchmark's --explain prints which
# of them the matcher knows.
NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby", "Robbie"], "William": ["Bill", "Will", "Billy"],
    "Elizabeth": ["Liz", "Beth", "Lizzie", "Betsy"], "Katherine": ["Kate", "Katie", "Kathy", "Kat"],
    "Catherine": ["Cathy", "Cat", "Kate"], "Jonathan": ["Jon", "Jonny"], "Michael": ["Mike", "Mikey"],
    "Alexander": ["Alex", "Xander"], "Alexandra": ["Alex", "Lexi", "Sasha"], "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"], "Nicholas": ["Nick", "Nicky"], "Benjamin": ["Ben", "Benny"],
    "Matthew": ["Matt"], "Joseph": ["Joe", "Joey"], "Thomas": ["Tom", "Tommy"], "Anthony": ["Tony"],
    "Edward": ["Ed", "Eddie", "Ted"], "James": ["Jim", "Jimmy"], "Steven": ["Steve"],
    "Richard": ["Rick", "Rich"], "Charles": ["Charlie", "Chuck"], "David": ["Dave"],
    "Andrew": ["Andy", "Drew"], "Margaret": ["Maggie", "Peggy", "Meg"], "Jennifer": ["Jen", "Jenny"],
    "Samantha": ["Sam", "Sammy"], "Samuel": ["Sam", "Sammy"], "Rebecca": ["Becca", "Becky"],
    "Victoria": ["Tori", "Vicky"], "Abigail": ["Abby"], "Isabella": ["Bella", "Izzy"],
    "Patricia": ["Pat", "Trish"], "Susan": ["Sue", "Susie"], "Deborah": ["Debbie", "Deb"],
    "Jessica": ["Jess", "Jessie"], "Christina": ["Tina", "Chrissy"], "Kimberly": ["Kim"],
    "Timothy": ["Tim"], "Gregory": ["Greg"], "Jeffrey": ["Jeff"], "Zachary": ["Zach"],
    "Patrick": ["Pat"], "Peter": ["Pete"], "Frederick": ["Fred"], "Theodore": ["Theo", "Ted"],
    "Gabriel": ["Gabe"], "Joshua": ["Josh"], "Jacob": ["Jake"], "Cameron": ["Cam"],
    "Madeline": ["Maddie"], "Stephanie": ["Steph"], "Natalie": ["Nat"], "Eleanor": ["Ellie", "Nell"],
    "Josephine": ["Josie", "Jo"], "Theresa": ["Tess", "Terri"], "Penelope": ["Penny"],
    "Kenneth": ["Ken", "Kenny"], "Ronald": ["Ron"], "Donald": ["Don"], "Raymond": ["Ray"],
    "Lawrence": ["Larry"], "Leonard": ["Leo", "Len"], "Vincent": ["Vince", "Vinny"],
    "Francis": ["Frank"], "Phillip": ["Phil"], "Douglas": ["Doug"], "Harold": ["Harry", "Hal"],
    "Henry": ["Hank"], "Nathan": ["Nate"], "Dorothy": ["Dot", "Dottie"], "Jacqueline": ["Jackie"],
}
# Letters a person on an English keyboard writes without their mark (NFKD does not split these).
ASCII_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae",
                               "đ": "d", "Đ": "D", "ß": "ss", "œ": "oe", "Œ": "Oe"})

# Real name frequencies have a long tail: in the US the 1,000 commonest surnames cover about 60% of
# people (Census 2010) and the commonest few hundred first names about 75-80%. The lists above are
# the head; these made-up names stand in for the tail, so that namesakes are as common as in a real
# community of this size, not far more.
TAIL_SHARE = {"first": 0.22, "last": 0.40}
_TAIL_PARTS = {
    "first": (["Ad", "Bel", "Cor", "Dar", "El", "Fen", "Gar", "Hal", "Is", "Jor", "Kal", "Lor",
               "Mar", "Nev", "Or", "Per", "Quin", "Ros", "Sel", "Tam", "Ul", "Val", "Wyn", "Yar",
               "Zel", "Ar", "Bri", "Cal", "Del", "Em"],
              ["a", "e", "i", "o", "u", "ia", "ie", "ai", ""],
              ["n", "na", "ra", "lie", "son", "lyn", "ric", "mon", "den", "ly", "nor", "via", "ren",
               "tha", "don", "wen", "sa", "to"]),
    "last": (["Ab", "Al", "Ash", "Bar", "Bel", "Bren", "Cal", "Dal", "Dun", "El", "Fair", "Gal",
              "Hal", "Hart", "Kir", "Lang", "Lind", "Mar", "Mor", "Nor", "Oak", "Pem", "Ral",
              "Ros", "Sal", "Stan", "Thorn", "Vel", "Wal", "Wes", "Whit", "Win", "Yar", "Zel",
              "Okon", "Naka", "Ade", "Kov", "Sund", "Berg"],
             ["a", "e", "i", "o", "en", "er", "in", "an", "ow", "ar", "el", "ov", ""],
             ["berg", "by", "croft", "dale", "field", "ford", "gate", "ham", "holm", "hurst", "ley",
              "ling", "man", "mere", "more", "ridge", "son", "stead", "stone", "ton", "well",
              "wick", "wood", "worth", "kwo", "mura", "yemi", "ic", "qvist", "ström"]),
}


@dataclass
class NameModel:
    """The head names with their cumulative rank weights, and the tail's made-up names."""

    firsts: list[str]
    first_weights: list[float]
    lasts: list[str]
    last_weights: list[float]
    tail_firsts: list[str]
    tail_lasts: list[str]

    def draw(self, rng: random.Random) -> tuple[str, str]:
        """A (first, last) name: common names more often, and now and then a rare one."""
        first = (rng.choice(self.tail_firsts) if rng.random() < TAIL_SHARE["first"]
                 else rng.choices(self.firsts, cum_weights=self.first_weights)[0])
        last = (rng.choice(self.tail_lasts) if rng.random() < TAIL_SHARE["last"]
                else rng.choices(self.lasts, cum_weights=self.last_weights)[0])
        return first, last


@lru_cache(maxsize=1)
def name_model() -> NameModel:
    """The name model (built once: weeding out near-twin tail names takes a moment)."""
    firsts, lasts = distinct_names(FIRST_NAMES), distinct_names(LAST_NAMES)
    return NameModel(firsts, rank_weights(len(firsts)), lasts, rank_weights(len(lasts)),
                     tail_names("first", firsts), tail_names("last", lasts))


def ascii_name(text: str) -> str:
    """A name as typed without accents (what a guest on an English keyboard writes)."""
    text = unicodedata.normalize("NFKD", text.translate(ASCII_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def distinct_names(names: list[str]) -> list[str]:
    """Names with later spellings of an already listed name (accents and case aside) left out, so
    that María and Maria are one name, drawn at the rank of the first."""
    seen, kept = set(), []
    for name in names:
        key = ascii_name(name).casefold()
        if key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def rank_weights(count: int) -> list[float]:
    """Cumulative weights falling with rank (a mild Zipf: the top name is ~2-3%)."""
    total, cumulative = 0.0, []
    for rank in range(count):
        total += 1.0 / (rank + 12) ** 0.9
        cumulative.append(total)
    return cumulative


def tail_names(kind: str, taken: list[str]) -> list[str]:
    """Made-up names for the tail of the frequency distribution (each about equally rare). Syllable
    soup makes near twins (Velahurst, Velihurst) that real rare names seldom are, so a made-up name
    one typo away from a name already kept is left out."""
    starts, middles, ends = _TAIL_PARTS[kind]
    kept: dict[tuple[str, int], list[str]] = defaultdict(list)
    for name in taken:
        folded = ascii_name(name).casefold()
        kept[(folded[:1], len(folded))].append(folded)
    names = []
    for made in (f"{a}{b}{c}".capitalize() for a in starts for b in middles for c in ends):
        folded = ascii_name(made).casefold()
        near = [n for size in (len(folded) - 1, len(folded), len(folded) + 1)
                for n in kept.get((folded[:1], size), ())]
        if not near or process.extractOne(folded, near, scorer=OSA.distance, score_cutoff=1) is None:
            kept[(folded[:1], len(folded))].append(folded)
            names.append(made)
    return names
