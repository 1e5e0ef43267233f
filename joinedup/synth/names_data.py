"""Names for the synthetic county: given names by sex and birth decade, surnames by origin.

Every list is in rough order of popularity (first = commonest); ``weighted_table`` turns a list
into a sampling table with Zipf-like weights, so ``table[int(rng.random() * len(table))]`` draws
a name in one step. The names are real and common; the people they are given to are invented.

A few names carry letters outside cp1252 (``ł``, ``ś``, ``ą``, ``ė``); sources written in cp1252
fold them to plain letters, as legacy council systems do.
"""

from __future__ import annotations

from collections.abc import Sequence

# Given names popular in England and Wales by decade of birth (sex "M"/"F").
_MALE: dict[int, str] = {
    1920: "John William George James Thomas Robert Albert Arthur Frederick Charles Ernest Harry "
          "Henry Walter Alfred Kenneth Leonard Stanley Sidney Edward Joseph Frank Herbert "
          "Reginald Cyril Eric Harold Percy Victor Leslie Norman Jack Horace Wilfred Bernard",
    1930: "John Peter William Brian David James Kenneth Ronald Michael Robert George Dennis "
          "Thomas Roy Donald Derek Alan Raymond Gordon Douglas Leslie Geoffrey Keith Arthur "
          "Frederick Norman Edward Stanley Harold Eric Bernard Jack Trevor Maurice",
    1940: "David John Michael Peter Robert Alan Brian Anthony Christopher Richard Keith Barry "
          "Colin Graham Terence Roger Malcolm Geoffrey Derek Trevor Raymond Kenneth Ian Roy "
          "Dennis Patrick Gerald Clive Ronald Philip Martin Stephen Gordon Nigel",
    1950: "David John Stephen Michael Peter Paul Robert Richard Christopher Alan Mark Ian "
          "Anthony Andrew Keith Kevin Martin Philip Graham Gary Nigel Colin Brian Trevor Terry "
          "Roger Malcolm Barry Steven Clive Jeffrey Neil Patrick Russell Timothy",
    1960: "Mark Paul Andrew David Stephen Ian Gary Michael Peter Richard Steven Simon "
          "Christopher Martin Kevin Neil Robert Darren Anthony Philip Nicholas Jonathan Jeremy "
          "Timothy Adrian Dean Lee Shaun Carl Glenn Nigel Russell Wayne Alistair",
    1970: "Paul Mark David Andrew Richard Christopher James Stephen Michael Darren Lee Jason "
          "Matthew Simon Neil Craig Gary Ian Robert Dean Wayne Steven Scott Carl Stuart Martin "
          "Jonathan Daniel Shaun Kevin Anthony Jamie Nicholas Gareth Ross",
    1980: "Christopher James David Michael Daniel Matthew Andrew Richard Paul Mark Thomas "
          "Adam Robert John Lee Stephen Jonathan Craig Carl Ben Ashley Darren Stuart Simon "
          "Jamie Ryan Gareth Steven Scott Liam Dean Anthony Wayne Kieran Luke Nathan",
    1990: "Thomas James Daniel Christopher Matthew Michael Jack Joshua Adam Luke Ryan Samuel "
          "David Benjamin Jordan Liam Jamie Callum Lewis Robert Nathan Connor Oliver Alexander "
          "Joseph Jake Kieran Aaron Andrew Ashley Bradley Sam Dean Charlie Harry Mohammed",
    2000: "Jack Thomas Joshua James Daniel Samuel Oliver William Benjamin Joseph Harry "
          "Matthew Lewis Ethan Luke Charlie George Callum Alexander Mohammed Ryan Adam Jake "
          "Dylan Alfie Jamie Liam Tyler Connor Nathan Kieran Cameron Max Jacob Harvey Reece "
          "Kacper Jakub",
    2010: "Oliver Jack Harry Charlie Jacob Thomas George Noah Alfie Oscar James William "
          "Leo Freddie Archie Henry Joshua Theo Logan Ethan Max Isaac Lucas Muhammad Mason "
          "Riley Finley Harrison Teddy Arthur Reuben Jenson Toby Tommy Ronnie Oskar Filip",
    2020: "Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie "
          "Jack Charlie Theo Alfie Jacob Thomas Finley Arlo Luca Teddy Ezra Rory Albie Reggie "
          "Hugo Jude Ronnie Otis Tommy Louie Elijah Frankie",
}

_FEMALE: dict[int, str] = {
    1920: "Mary Margaret Joan Dorothy Doris Irene Joyce Jean Elsie Edna Vera Ivy Florence "
          "Winifred Gladys Hilda Lilian Phyllis Kathleen Eileen Betty Barbara Peggy Rose Violet "
          "Ethel Evelyn Marjorie Audrey Muriel Mabel Nellie Annie Elizabeth Gwendoline",
    1930: "Margaret Jean Mary Joan Patricia Sheila Barbara Doreen June Shirley Joyce Betty "
          "Dorothy Maureen Audrey Brenda Sylvia Irene Pamela Valerie Eileen Kathleen Joan "
          "Marion Beryl Iris Rita Jessie Hazel Norma Thelma Eunice Olive Ruby",
    1940: "Margaret Patricia Christine Mary Jean Ann Susan Janet Maureen Barbara Valerie "
          "Sandra Elizabeth Carol Pauline Sheila Anne Jennifer Brenda Kathleen Gillian Jacqueline "
          "Linda Marilyn Rosemary Judith Sylvia Diana Josephine Angela Hazel Lesley Wendy",
    1950: "Susan Linda Christine Margaret Janet Patricia Carol Elizabeth Mary Anne Ann Jane "
          "Jacqueline Sandra Gillian Pauline Elaine Lesley Angela Pamela Helen Jennifer Valerie "
          "Judith Diane Karen Wendy Kathleen Deborah Julie Maureen Denise Beverley Lynne",
    1960: "Susan Julie Karen Jacqueline Deborah Tracey Jane Helen Diane Sharon Tracy Angela "
          "Sarah Alison Caroline Amanda Sandra Linda Catherine Elizabeth Carol Joanne Wendy "
          "Lisa Nicola Dawn Elaine Lorraine Gillian Michelle Beverley Sally Andrea Tina Siân",
    1970: "Sarah Claire Nicola Emma Lisa Joanne Michelle Helen Samantha Karen Amanda Rachel "
          "Louise Julie Clare Rebecca Sharon Victoria Caroline Susan Alison Catherine Donna "
          "Kelly Kerry Natalie Tracey Dawn Zoë Lucy Joanna Gemma Hayley Anna Leanne Renée",
    1980: "Sarah Laura Gemma Emma Rebecca Claire Victoria Samantha Rachel Amy Jennifer "
          "Nicola Kirsty Hayley Jessica Lauren Charlotte Lisa Katie Natalie Kelly Stacey "
          "Danielle Louise Joanne Stephanie Leanne Jade Kerry Michelle Zoe Katherine Lindsey",
    1990: "Rebecca Lauren Jessica Charlotte Hannah Sophie Amy Emily Laura Emma Chloe Sarah "
          "Danielle Katie Georgia Bethany Megan Jade Stephanie Holly Abigail Natasha Shannon "
          "Kayleigh Amber Jodie Leah Rachel Lucy Samantha Ellie Aoife Chloé Zoë Agnieszka",
    2000: "Emily Jessica Sophie Chloe Lauren Olivia Ellie Hannah Charlotte Megan Grace Lucy "
          "Amy Katie Holly Emma Bethany Rebecca Molly Georgia Ella Mia Amelia Abigail Lily "
          "Millie Jade Eleanor Caitlin Evie Isabel Freya Courtney Zara Maja Zuzanna",
    2010: "Olivia Amelia Emily Isla Ava Jessica Isabella Lily Ella Mia Sophie Grace Poppy "
          "Evie Chloe Ruby Sophia Freya Charlotte Daisy Millie Phoebe Scarlett Holly Lucy "
          "Ellie Erin Imogen Maisie Florence Alice Matilda Evelyn Rosie Julia Amélie",
    2020: "Olivia Amelia Isla Lily Ava Ivy Freya Florence Willow Mia Isabella Sophia Rosie "
          "Elsie Evie Grace Sienna Daisy Maya Poppy Ella Evelyn Millie Hallie Bonnie Margot "
          "Aria Luna Isabelle Ada Phoebe Mabel Harper Matilda",
}

# Given names for households of other origins, used for people born abroad and for some
# children born here (the rest get the decade's names above).
ORIGIN_GIVEN: dict[str, dict[str, str]] = {
    "south_asian": {
        "M": "Mohammed Muhammad Ahmed Ali Imran Arjun Rohan Raj Sanjay Amir Hassan Omar Ravi "
             "Sunil Vikram Zain Aryan Harpreet Gurpreet Rahul",
        "F": "Fatima Ayesha Amira Anjali Sunita Nadia Priya Zainab Aisha Sana Hina Simran "
             "Kiran Neha Shabana Parveen Rukhsana Jaspreet Mariam Asha",
    },
    "polish": {
        "M": "Jakub Kacper Piotr Tomasz Marek Krzysztof Paweł Michał Łukasz Mateusz Adam "
             "Bartosz Dawid Grzegorz Wojciech Szymon Filip Kamil",
        "F": "Anna Agnieszka Katarzyna Małgorzata Magdalena Joanna Ewa Monika Karolina "
             "Natalia Aleksandra Justyna Marta Dorota Zofia Zuzanna Maja Julia",
    },
    "portuguese": {
        "M": "João José António Manuel Luís Carlos Pedro Miguel Rui Paulo Tiago Nuno Ricardo "
             "Diogo Francisco",
        "F": "Maria Ana Joana Inês Sofia Beatriz Carla Sandra Patrícia Marta Rita Catarina "
             "Helena Filipa Leonor",
    },
    "lithuanian": {
        "M": "Tomas Mantas Lukas Darius Andrius Jonas Marius Paulius Vytautas Dovydas",
        "F": "Rūta Agnė Jurgita Laura Greta Ieva Kristina Asta Lina Egle",
    },
}

# Surnames. British: English (with a Norfolk flavour), Scottish, Welsh and Irish, commonest
# first. Apostrophes are typographic (O’Brien); sources differ in how they keep them.
BRITISH_SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan "
    "Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell "
    "Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb "
    "Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes "
    "Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham "
    "Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds "
    "Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer "
    "Gill Dawson Ball Burton O’Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis "
    "Rees Hayes Hart Hudson Newman Barrett Gregory Cunningham Smart Wallace Lowe Hamilton "
    "Howes Gotts Thrower Larter Youngs Sayer Bunting Spink Loades Pegg Cushion Kerrison "
    "Futter Chilvers Bussey Frosdick Gedge Copeman Dack Curson Gaze Hewitt Hipkin Ives Jermy "
    "Kettle Ling Nurse Plummer Rix Sexton Tuck Utting Yaxley Bloomfield Brundle Clabburn "
    "Eke Fiddy Goff Hammond Juby Kemp Lake Mayes Mallett Neave Platten Riches Royall "
    "Sparkes Steward Thirtle Wegg Woodhouse Le Strange Walpole Paston Townshend Knights "
    "MacDonald McDonald Stewart Robertson Fraser MacLeod McKenzie Reid Ross Cameron Morrison "
    "Sinclair Buchanan Ferguson Henderson Kennedy Crawford Lindsay Munro Paterson Mackay "
    "Llewellyn Pritchard Bevan Pugh Vaughan Prosser Gwynne ap Rhys Jenkins Meredith Parry "
    "O’Connor O’Neill Byrne Doyle McCarthy Fitzgerald Gallagher Kavanagh Quinn O’Sullivan "
    "Brennan Nolan Ó Súilleabháin D’Arcy Donnelly Flanagan McLaughlin Duffy Keane "
    "Sutton Webster Chambers Jordan Hawkins Gardner Bishop Barber Lamb Hodgson Burgess Potter "
    "Hope Sharp Nicholson Black Wheeler Stone Pickering Fowler Haynes Goodwin Hurst Marsh "
    "Dunn Holland Rowe Lane Arnold Sims Long Fuller Hopkins Porter Coleman Cartwright"
)

ORIGIN_SURNAMES: dict[str, str] = {
    "south_asian": "Patel Khan Ahmed Ali Hussain Begum Singh Kaur Sharma Shah Akhtar Iqbal "
                   "Rahman Chowdhury Islam Gupta Kumar Mistry Parmar Malik Mahmood Bibi "
                   "D’Souza Fernandes Pillai",
    "polish": "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
              "Szymański Woźniak Dąbrowski Kozłowski Mazur Krawczyk Jankowski Wojciechowski "
              "Kwiatkowski Kaczmarek Piotrowski Grabowski",
    "portuguese": "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa "
                  "Gonçalves Fernandes Lopes Marques Gomes Almeida Ribeiro Carvalho Teixeira",
    "lithuanian": "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas "
                  "Butkus Paulauskas Urbonas Kavaliauskas",
}

# Multi-word surnames above, kept whole by ``split_names``.
_MULTI_WORD = ("Le Strange", "ap Rhys", "Ó Súilleabháin")

# Share of households by origin (Norfolk: mostly White British, with Polish, Portuguese,
# Lithuanian and South Asian communities in Norwich, Thetford, King's Lynn and Great Yarmouth).
ORIGIN_SHARES: tuple[tuple[str, float], ...] = (
    ("british", 0.885), ("polish", 0.035), ("portuguese", 0.025), ("south_asian", 0.035),
    ("lithuanian", 0.02),
)

DECADES: tuple[int, ...] = tuple(sorted(_MALE))


def split_names(text: str) -> list[str]:
    """Split a space-separated list, keeping the known multi-word surnames whole."""
    for name in _MULTI_WORD:
        text = text.replace(name, name.replace(" ", "_"))
    return [n.replace("_", " ") for n in text.split()]


def weighted_table(names: Sequence[str], *, size: int = 2000, skew: float = 0.9) -> list[str]:
    """A sampling table in which name ``i`` appears in proportion to ``1 / (i + 2) ** skew``."""
    weights = [1.0 / (i + 2) ** skew for i in range(len(names))]
    scale = size / sum(weights)
    table: list[str] = []
    for name, weight in zip(names, weights, strict=True):
        table.extend([name] * max(1, round(weight * scale)))
    return table


def given_names(sex: str, decade: int) -> list[str]:
    source = _MALE if sex == "M" else _FEMALE
    decade = min(max(decade, DECADES[0]), DECADES[-1])
    return split_names(source[decade])
