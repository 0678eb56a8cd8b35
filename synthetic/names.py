"""Name lists for the synthetic population: English and the communities of English schools.

Lists run from most to least common (weights fall off with rank). Shares of pupils by
heritage follow the rough mix of English school census figures; they are for realistic
test data, not statistics. "_" stands for a space inside one name ("da_Silva").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heritage:
    """Names given in one community, and the share of pupils whose names come from it."""

    name: str
    share: float
    boys: tuple[str, ...]
    girls: tuple[str, ...]
    surnames: tuple[str, ...]
    # Polish-style surnames that change ending with the child's sex (-ski/-ska).
    gendered_surnames: bool = False


def _names(text: str) -> tuple[str, ...]:
    return tuple(word.replace("_", " ") for word in text.split())


ENGLISH_BOYS = _names("""
Oliver Harry Jack George Noah Charlie Jacob Alfie Freddie Oscar Leo Logan Archie Theo Thomas
James Joshua Henry William Max Lucas Ethan Arthur Mason Isaac Harrison Teddy Finley Daniel Riley
Edward Joseph Alexander Adam Reggie Samuel Jaxon Sebastian Elijah Harley Toby Arlo Dylan Jude
Benjamin Rory Tommy Jake Louie Carter Jenson Hugo Bobby Frankie Ollie Zachary David Albie Lewis
Luca Ronnie Jackson Matthew Alex Harvey Reuben Jayden Caleb Hunter Theodore Nathan Blake Luke
Elliot Jamie Kai Ryan Liam Connor Tyler Callum Kyle Michael Aaron Owen Cameron Ben Bradley Kian
Ellis Louis Stanley Sonny Gabriel Ezra Albert Jasper Felix Rowan Jesse Leon Ashton Declan Aiden
Kayden Brandon Morgan Jordan Charles Christopher Andrew Patrick Sam Finn Roman Tristan Ralph
Eddie Kieran Jay Ruben Tobias Corey Mohammed Muhammad Reece Lincoln Ted Billy Alfred Jimmy
""")

ENGLISH_GIRLS = _names("""
Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya
Harper Willow Charlotte Jessica Rosie Daisy Alice Florence Phoebe Millie Matilda Evelyn Ruby
Sienna Elsie Isabelle Scarlett Layla Erin Chloe Emma Holly Lucy Hannah Megan Lola Esme Maisie
Bella Eliza Aria Imogen Ellie Amber Zara Maya Eva Molly Hollie Darcy Lottie Thea Georgia Niamh
Abigail Summer Katie Amy Lexi Lacey Leah Paige Harriet Eleanor Elizabeth Rose Violet Robyn Anna
Ellie-Mae Lily-Mae Ella-Rose Lucy-Mae Mollie Nancy Beatrice Heidi Penelope Jasmine Caitlin
Bethany Libby Martha Autumn Elodie Aurora Sadie Edith Mila Orla Gracie Francesca Clara Rebecca
Laura Sarah Lauren Olivia-Rose Tilly Hope Nevaeh Skye Kacey Kayla Jade Kelsey Bonnie Madison
Eden Maddison Lilly Keira Ruby-Mae Alexis Tia Kiera Demi Brooke Courtney Rachel Natasha Victoria
""")

ENGLISH_SURNAMES = _names("""
Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker
White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Lewis Turner Hill Harris Clark Cooper
Harrison Ward Martin Baker Moore Allen Young King Lee Morris Phillips Watson Mitchell Bell James
Parker Bennett Cook Price Shaw Davis Griffiths Richardson Carter Marshall Bailey Kelly Collins
Murphy Lloyd Adams Mason Stevens Morgan Cox Russell Webb Simpson Ellis Chapman Holmes Mills Owen
Fisher Rogers Gray Stewart Graham Butler Barnes Knight Dixon Hunt Palmer Matthews Robertson Reid
Atkinson Foster Lawrence Fletcher Saunders Pearson Hudson Watts Spencer Harvey Gibson Payne
Holland Wells Ryan Pearce Henderson Riley Burton Barker Ross Sutton Armstrong Kennedy Grant
Hamilton Scott Campbell Murray O'Brien O'Connor McDonald MacKenzie Thomson Sullivan Reynolds
Howard Dawson Doyle Hayes Jenkins Perry Powell Jordan Wallace Bradley Cole Lowe Newton
Cunningham Hart Chambers Booth Holt Slater Whitehead Hodgson Bates Barlow Lees Walsh Goodwin
Frost Bowden Bagshaw Slack Hancock Wragg Briggs Maughan McDonagh Boswell Lovell Doherty Joyce
Connors Quinn Brennan Byrne Gallagher Flynn Hewitt Marsden Naylor Bamford Hardy Sharpe Kirk
Stone Fox Rose Day Hopkins Ball Lane Nicholson Jennings Hayward Hale Moss Parsons Barton Coles
Gardner Hobson Kemp Lamb Norris Page Pollard Potter Rhodes Rowe Sims Stanley Swift Todd Tucker
Vaughan Wade Warren Webster Wheeler Whitaker Wilkinson Winter Woods Yates Young-Smith Brooks
""")

# Place-name surnames make the long tail of rare English names.
ENGLISH_SURNAME_STARTS = _names("""
Ash Black Brad Brook Thorn Hol Wood Whit Hay Green Mar Stan Wel Cran Brom Bur Fair Kirk Lang Mid
North Ox Ryd Sand Shel Ston Tod Wal War Win Ald Bar Bux Chest Dar Eccle Hather Mat Tid Wirks
""")
ENGLISH_SURNAME_ENDS = _names("""
ley ton worth field ford by ham wood well bury hurst combe dale stead wick more land thorpe
cliffe shaw
""")

HERITAGES: tuple[Heritage, ...] = (
    Heritage("english", 0.70, ENGLISH_BOYS, ENGLISH_GIRLS, ENGLISH_SURNAMES),
    Heritage(
        "pakistani and bangladeshi",
        0.075,
        _names("""
        Muhammad Mohammed Ali Ibrahim Yusuf Musa Zayn Hamza Ayaan Adam Haris Rayyan Ismail
        Zakariya Bilal Umar Abdullah Harun Hassan Hussain Ayan Imran Arham Zain Daniyal Raheem
        Faisal Idris Sulaiman Yahya Junaid Rehan Ahmed Shayan Mohammad Mohammed_Ali Muhammad_Yusuf
        Muhammad_Ibrahim Rayan Aariz Eesa Mikail Hasan Usman Saad Zakaria Salman Abdul Tahmid
        """),
        _names("""
        Maryam Aisha Fatima Zainab Hafsa Amina Khadija Inaya Safa Hania Zara Anaya Aleena Eman
        Hiba Mariam Sana Ayesha Laiba Noor Iqra Mahnoor Alisha Ruqayyah Sumaya Amira Tasnim Nusrat
        Jannat Sadia Rabia Hawa Aaliyah Safiya Samira Areeba Anisa Nadia Fatimah Khadijah Raisa
        """),
        _names("""
        Khan Hussain Ahmed Ali Begum Akhtar Bibi Iqbal Mahmood Rahman Islam Uddin Miah Hussein
        Shah Butt Malik Mirza Qureshi Chaudhry Chowdhury Rashid Aziz Anwar Sheikh Javed Ashraf
        Mohammed Akram Riaz Rehman Karim Hossain Ahmad Siddiqui Bashir Yousaf Nawaz Sadiq Saleem
        Hamid Latif Haq Kauser Parveen Zaman Alam Kabir Raja Sultan Mughal Abbasi Choudhury
        """),
    ),
    Heritage(
        "indian",
        0.035,
        _names("""
        Arjun Aarav Rohan Dev Krish Aryan Vihaan Ishaan Rahul Karan Jai Veer Kabir Reyansh Advik
        Harjot Gurpreet Jaskaran Manveer Arnav Nikhil Sahil Amar Ravi Sai Om Yash Neel Shiv Ansh
        Rishi Kiaan Harpreet Taran Sukhdeep Aditya Dhruv Ayush Jasraj Parth
        """),
        _names("""
        Priya Anaya Aanya Diya Isha Saanvi Kiara Riya Navya Anika Simran Jasleen Harleen Gurleen
        Amrit Kiran Pooja Nisha Meera Asha Tara Avni Myra Ishani Jaspreet Manpreet Shreya Ananya
        Rhea Aashi Prisha Jasmeet Navneet Sukhleen Divya
        """),
        _names("""
        Patel Singh Kaur Sharma Kumar Shah Gill Sandhu Sidhu Dhillon Mistry Parmar Chauhan Bhatt
        Joshi Mehta Desai Gupta Rana Thakkar Lal Sohal Bains Grewal Johal Atwal Mann Virdi Rai
        Bhogal Chopra Kapoor Verma Nair Pillai Reddy Rao Iyer Solanki Lad Vaghela Dhaliwal
        """),
    ),
    Heritage(
        "eastern european",
        0.06,
        _names("""
        Jakub Szymon Filip Kacper Antoni Aleksander Oliwer Mateusz Adam Dawid Michał Wojciech
        Igor Bartosz Kamil Piotr Tomasz Maksymilian Nikodem Franciszek Andrei Alexandru Ionuț
        Ștefan Gabriel Luca Matei David Rareș Darius Lukas Matas Dominykas Nojus Emilis Ivan
        Georgi Dimitar Nikola Artem Maksym Oleksandr Danylo Mykhailo Jonas Marek Patryk
        """),
        _names("""
        Zuzanna Julia Maja Zofia Hanna Lena Alicja Oliwia Natalia Amelia Wiktoria Aleksandra
        Martyna Karolina Weronika Gabriela Ioana Maria Elena Andreea Ana Bianca Daria Sofia
        Emilija Ugnė Gabija Austėja Viktoria Anastasia Polina Yeva Kateryna Sofiia Desislava
        Teodora Nikola Kinga Nadia Milena
        """),
        _names("""
        Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
        Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
        Nowakowski Pawłowski Michalski Popescu Ionescu Popa Pop Radu Dumitru Stoica Stan
        Gheorghe Rusu Munteanu Matei Constantin Kazlauskas Jankauskas Petrauskas Stankevičius
        Vasiliauskas Ivanov Petrov Georgiev Dimitrov Kovalenko Shevchenko Bondarenko Tkachenko
        Horváth Nagy Kovács Novák Dvořák Balogh Lakatos Varga Kaczmarek Zając Król
        """),
        gendered_surnames=True,
    ),
    Heritage(
        "african",
        0.045,
        _names("""
        Emmanuel David Daniel Samuel Joshua Michael Caleb Elijah Jayden Tobi Tobiloba Oluwaseun
        Ayodele Chidi Chukwuemeka Ifeanyi Kwame Kofi Kwabena Yaw Kojo Abdi Abdirahman Mohamed
        Ahmed Omar Hamza Abdullahi Liban Nathaniel Ezekiel Isaiah Jeremiah Marvellous Divine
        Israel Ayomide Oluwadamilare Tendai Tinashe
        """),
        _names("""
        Precious Blessing Favour Grace Esther Deborah Abigail Oluwatobi Temitope Chiamaka Adaeze
        Ngozi Amara Ifeoma Ama Akua Abena Efua Nana Hodan Ayaan Hibo Sagal Fadumo Amina Ikram
        Nimco Faith Peace Joy Mercy Zion Jemima Oluwadarasimi Anuoluwapo Rutendo Chipo
        """),
        _names("""
        Okafor Adeyemi Okonkwo Oluwole Adebayo Ogunleye Nwosu Eze Obi Balogun Bello Okeke Afolabi
        Adeleke Akinola Olawale Mensah Owusu Boateng Asante Osei Appiah Agyeman Darko Ansah
        Acheampong Mohamed Abdi Hassan Ali Hussein Farah Ahmed Omar Warsame Jama Yusuf Nur
        Ismail Kamara Sesay Conteh Bangura Koroma Banda Phiri Moyo Ndlovu Dube Mutasa Adewale
        """),
    ),
    Heritage(
        "caribbean",
        0.015,
        ENGLISH_BOYS,
        ENGLISH_GIRLS,
        _names("""
        Campbell Brown Williams Clarke Francis Grant Thomas Johnson Edwards Henry Gordon Reid
        Morgan Samuels Bailey Lewis Powell Richards Forbes Barrett Gayle Spence McKenzie Facey
        Bryan Hinds Ellington Sealy Boothe Robinson Dacosta Ferguson Simpson Thompson Walters
        """),
    ),
    Heritage(
        "middle eastern, turkish, kurdish and afghan",
        0.025,
        _names("""
        Mohammed Ahmad Omar Yusuf Ali Hassan Karim Adam Khalid Tariq Sami Rami Ziad Amir Mustafa
        Emre Mehmet Kerem Can Arda Baran Azad Rebin Hamid Farhad Wali Sultan Yousef Mohamad
        Ibrahim Ahmet Yusuf_Ali Alan Aras Zana Idris
        """),
        _names("""
        Fatima Mariam Lina Sara Noor Rania Yasmin Layla Hana Dana Zeynep Elif Ayşe Ecem Defne Rojin
        Helin Shilan Parisa Zahra Maryam Malalai Farida Shabnam Sidra Nour Jana Reem Lana Asel
        """),
        _names("""
        Al-Sayed Haddad Khalil Nasser Saleh Mahmoud Abdallah Hamdan Darwish Yılmaz Kaya Demir
        Şahin Çelik Yıldız Aydın Öztürk Arslan Doğan Karimi Ahmadi Hosseini Rahimi Mohammadi
        Noori Stanikzai Popal Barzani Amin Rasul Aziz Kurdi Abdullah Hassan Osman Rahmani
        """),
    ),
    Heritage(
        "chinese and south-east asian",
        0.012,
        _names("""
        Jun Wei Hao Yi Ming Hong Kai Ryan Jason Ethan Lucas Minh Duc Anh Tuan Huy Nam Zihan
        Yuxuan Haoran Bao Long Quang Thanh
        """),
        _names("""
        Mei Xin Yan Ling Jia Yu Hui Chloe Emily Linh Anh Mai Thu Ngoc Yuting Xinyi Zixuan Hoa
        Lan Vy Trang Ying
        """),
        _names("""
        Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Lin Wong Chan Cheung Lau
        Ng Ho Leung Nguyen Tran Le Pham Hoang Vu Dang Bui Do Yeung Tang Lam
        """),
    ),
    Heritage(
        "southern european and latin american",
        0.018,
        _names("""
        Santiago Mateo Leonardo Tiago Rodrigo João Gabriel Francisco Diogo Miguel Lorenzo
        Alessandro Marco Giovanni Pablo Hugo Martín Alejandro Afonso Duarte Tomás Gonçalo
        """),
        _names("""
        Beatriz Leonor Mariana Inês Matilde Lucía Sofia Giulia Aurora Chiara Valentina Martina
        Carmen Paula Alba Margarida Carolina Francisca Camila Isabela
        """),
        _names("""
        Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes
        Gonçalves Gomes Lopes Marques Rossi Russo Ferrari Esposito Bianchi Romano García
        Fernández López Martínez Sánchez Pérez González Rodríguez da_Silva dos_Santos Almeida
        """),
    ),
)

# Middle names, added to a few forenames on a register ("Oliver James").
MIDDLE_NAMES_BOYS = _names("""
James John William Thomas David Lee Michael Paul Alexander George Edward Joseph Ali Jay Junior
""")
MIDDLE_NAMES_GIRLS = _names("""
Mae Rose Grace Louise Jane Marie Elizabeth Ann Lily May Jade Anne Hope Faith Leigh
""")

# How people shorten or pet names, as a notification may record them. Independent of the
# matcher's own variant table: some of these are not in it, as in real life.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alexander": ("Alex", "Sasha", "Xander"),
    "Aleksander": ("Olek", "Alek"),
    "Alexandru": ("Alex", "Sandu"),
    "Alfred": ("Alfie", "Alf"),
    "Abigail": ("Abbie", "Abi"),
    "Amelia": ("Millie", "Mia"),
    "Benjamin": ("Ben", "Benji"),
    "Bartosz": ("Bartek",),
    "Charles": ("Charlie",),
    "Charlotte": ("Lottie", "Charlie"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Dawid"),
    "Edward": ("Eddie", "Ed", "Ted"),
    "Eleanor": ("Ellie", "Nell"),
    "Elizabeth": ("Lizzie", "Libby", "Beth", "Eliza"),
    "Emmanuel": ("Manny",),
    "Florence": ("Flo",),
    "Franciszek": ("Franek",),
    "Frederick": ("Freddie",),
    "Gabriel": ("Gabe",),
    "Harriet": ("Hattie",),
    "Henry": ("Harry",),
    "Isabella": ("Bella", "Izzy", "Issy"),
    "Isabelle": ("Izzy", "Belle"),
    "Jakub": ("Kuba",),
    "James": ("Jamie", "Jim"),
    "Jessica": ("Jess",),
    "Joseph": ("Joe", "Joey"),
    "Joshua": ("Josh",),
    "Julia": ("Jula",),
    "Katie": ("Kate",),
    "Leonardo": ("Leo",),
    "Maksymilian": ("Maks",),
    "Matilda": ("Tilly", "Tilda"),
    "Matthew": ("Matt",),
    "Mateusz": ("Mati",),
    "Michael": ("Mike", "Mikey"),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo", "Mohammed"),
    "Nathaniel": ("Nate", "Nat"),
    "Nicholas": ("Nick",),
    "Oliver": ("Ollie", "Olly"),
    "Oluwaseun": ("Seun",),
    "Oluwatobi": ("Tobi",),
    "Oluwadamilare": ("Dami", "Damilare"),
    "Oluwadarasimi": ("Darasimi", "Simi"),
    "Penelope": ("Penny",),
    "Rebecca": ("Becky", "Bex"),
    "Samuel": ("Sam", "Sammy"),
    "Sebastian": ("Seb",),
    "Sophia": ("Sophie",),
    "Stanley": ("Stan",),
    "Theodore": ("Theo", "Teddy"),
    "Thomas": ("Tom", "Tommy"),
    "Tobiloba": ("Tobi",),
    "Victoria": ("Vicky", "Tori"),
    "Weronika": ("Wera",),
    "William": ("Will", "Billy"),
    "Wojciech": ("Wojtek",),
    "Zachary": ("Zach", "Zac"),
    "Zuzanna": ("Zuzia",),
    "Aleksandra": ("Ola",),
    "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",),
    "Anastasia": ("Nastya",),
    "Chukwuemeka": ("Emeka",),
    "Temitope": ("Tope",),
    "Anuoluwapo": ("Anu",),
}

# Street names for addresses.
STREET_STARTS = _names("""
Church Mill Station Park Victoria Albert Queen King Chapel Bridge Market School Derby Ashbourne
Matlock Chesterfield Belper Ripley Heanor Alfreton Long Spring Meadow Orchard Hall Beech Oak Ash
Elm Willow Cedar Holly Rowan Chestnut Sycamore Linden Hawthorn Cavendish Devonshire Burton Dale
""")
STREET_ENDS = _names("Road Street Lane Close Avenue Drive Way Crescent Grove Gardens Place View")

# Postcode districts the synthetic council covers (a Derbyshire-like area and its edges).
POSTCODE_DISTRICTS = _names("""
DE1 DE3 DE4 DE5 DE6 DE7 DE11 DE12 DE13 DE14 DE15 DE21 DE22 DE23 DE24 DE45 DE55 DE56 DE65 DE72
DE73 DE74 DE75 S18 S21 S40 S41 S42 S43 S44 S45 S80 SK13 SK17 SK22 SK23 NG9 NG10 NG16 NG17 NG19
NG20
""")
