/**
 * The English lexicon the tuning templates are filled from. All names of people,
 * companies, products and events are invented; places are real.
 */
import type { Lexicon } from "./markup.ts";

export const LEXICON: Lexicon = {
  // --- entities -------------------------------------------------------------------------
  person: [
    "Maria Lopez", "James Carter", "Aisha Khan", "Tomas Novak", "Li Wei", "Grace Okafor",
    "Daniel Fischer", "Priya Nair", "Samuel Reed", "Elena Rossi", "Omar Haddad", "Hannah Berg",
    "Kofi Mensah", "Sofia Almeida",
  ],
  woman: ["Maria Lopez", "Aisha Khan", "Grace Okafor", "Priya Nair", "Elena Rossi", "Hannah Berg", "Sofia Almeida"],
  man: ["James Carter", "Tomas Novak", "Daniel Fischer", "Samuel Reed", "Omar Haddad", "Kofi Mensah"],
  org: [
    "Northwind Bank", "Helix Robotics", "Orbital Foods", "Red Cedar Press", "Bluewater Shipping",
    "Kestrel Software", "Atlas Motors", "Lumen Labs", "Maple Grove Dairy", "Silverline Telecom",
  ],
  city: ["Lisbon", "Nairobi", "Osaka", "Toronto", "Krakow", "Lyon", "Denver", "Porto", "Hanoi", "Adelaide", "Bergen", "Cordoba"],
  country: ["Portugal", "Kenya", "Japan", "Canada", "Poland", "France", "Chile", "Vietnam", "Norway", "Egypt"],
  capital: [
    { city: "Lisbon", country: "Portugal" },
    { city: "Nairobi", country: "Kenya" },
    { city: "Ottawa", country: "Canada" },
    { city: "Warsaw", country: "Poland" },
    { city: "Hanoi", country: "Vietnam" },
    { city: "Oslo", country: "Norway" },
    { city: "Cairo", country: "Egypt" },
    { city: "Santiago", country: "Chile" },
    { city: "Lima", country: "Peru" },
    { city: "Canberra", country: "Australia" },
  ],
  mountain: ["Mount Kenya", "Table Mountain", "Mont Blanc", "Mount Rainier", "Ben Nevis"],
  lake: ["Lake Geneva", "Lake Victoria", "Lake Tahoe", "Lake Bled", "Lake Como"],
  /** Dates that read well after "in". */
  date: ["March 2021", "2019", "October 2020", "early 2023", "the spring of 2017", "late 2015"],
  /** Dates that read well after "on" or "until". */
  day_date: ["5 June 2022", "12 May 2018", "30 September", "1 March 2024"],
  weekday: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
  product: ["Nimbus 5", "Aero Kettle", "Pixelmate Pro", "Trailblazer E", "Quartz S3", "Lumo Lamp"],
  money: ["$4 million", "€250,000", "$12 billion", "£1.5 million", "$80,000", "€9 million"],
  price: ["$499", "€1,200", "£89", "$35", "€60"],
  norp: ["Portuguese", "Kenyan", "Japanese", "Canadian", "Norwegian", "Brazilian"],
  event: ["Global Climate Summit", "Harvest Jazz Festival", "World Robotics Cup", "Open Chess Championship", "Spring Marathon"],
  site: ["Museum of Modern Glass", "Harbor Market", "Old Stone Bridge", "Royal Botanic Garden", "Central Opera House"],
  year: ["1998", "2004", "2011", "2016", "1987", "2020"],
  job: ["an accountant", "a data engineer", "a designer", "a sales manager", "a lawyer", "a translator"],
  group: ["Rebels", "Gunmen", "Militants", "Insurgents"],
  target: ["the airport", "a police station", "an army base", "a fuel depot", "a border post"],
  goods: ["food and medicine", "tents and blankets", "drinking water", "vaccines", "spare parts"],
  // --- spoken-assistant slots -------------------------------------------------------------
  sf_place: ["Boston", "Chicago", "Manchester", "Seattle", "Dublin", "Madrid", "Glasgow", "Phoenix"],
  weather: ["rain", "snow", "hail", "fog", "sleet"],
  weather_v: ["rain", "snow", "hail"],
  weather_item: [
    "an [umbrella](weather/attribute)", "a [raincoat](weather/attribute)", "[sunscreen](weather/attribute)",
    "a [scarf](weather/attribute)", "[gloves](weather/attribute)", "[boots](weather/attribute)",
  ],
  when: [
    "[tomorrow](datetime)", "[tonight](datetime)", "[this weekend](datetime)", "on [Friday](datetime)",
    "[tomorrow morning](datetime)", "[next Tuesday](datetime)", "[this afternoon](datetime)", "on [Sunday](datetime)",
  ],
  temp: ["cold", "hot", "freezing", "warm", "chilly"],
  todo: [
    "call the dentist", "pick up the dry cleaning", "water the plants", "pay the electricity bill",
    "buy milk", "send the invoice", "book a haircut", "feed the cat",
  ],
  period: ["every Monday", "every morning", "every two weeks", "daily", "every evening", "once a month"],
  alarm_mod: ["wake-up", "gym", "medication", "school run"],
  clock: ["6:30 am", "7 am", "5:45", "8 o'clock", "6:15", "7:40 am"],
  ref: ["my", "that"],
  ref_pl: ["my", "all my", "all of my"],
  // --- event triggers -----------------------------------------------------------------------
  attack_v: ["shelled", "bombed", "raided", "attacked", "stormed"],
  acquire_v: ["bought", "acquired", "took over", "purchased"],
  transport_v: ["shipped", "moved", "flew", "trucked"],
  die_v: ["died", "passed away"],
  arrest_v: ["arrested", "detained"],
  meet_v: ["met", "held talks"],
  protest_v: ["marched", "rallied", "protested"],
};
