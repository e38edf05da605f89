"""What villages sell, as sellers write it, and what buyers type when they look for it."""

from __future__ import annotations

import random
from dataclasses import dataclass

CATEGORIES = {
    "tani": "Hasil Tani",
    "kebun": "Kebun (kopi, lada, kakao)",
    "ternak": "Ternak",
    "ikan": "Ikan",
    "olahan": "Makanan & Minuman Olahan",
    "kerajinan": "Kerajinan",
    "jasa": "Jasa",
    "lain": "Lainnya",
}

# (product as sellers name it, category, words that may follow it in a name)
PRODUCTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Kopi Robusta", "kebun", ("Bubuk", "Biji", "Sangrai", "Petik Merah", "Asli")),
    ("Kopi Arabika", "kebun", ("Bubuk", "Biji", "Sangrai", "Natural", "Premium")),
    ("Kopi Luwak", "kebun", ("Liar", "Bubuk", "Asli")),
    ("Lada Hitam", "kebun", ("Kering", "Butiran", "Bubuk")),
    ("Lada Putih", "kebun", ("Kering", "Bubuk", "Super")),
    ("Biji Kakao", "kebun", ("Fermentasi", "Kering", "Kualitas Ekspor")),
    ("Cengkeh", "kebun", ("Kering", "Super")),
    ("Pala", "kebun", ("Biji", "Fuli", "Kering")),
    ("Vanili", "kebun", ("Kering", "Basah", "Grade A")),
    ("Kelapa Muda", "kebun", ("Segar", "Hijau", "Per Butir")),
    ("Kelapa Tua", "kebun", ("Kupas", "Per Butir")),
    ("Gula Aren", "olahan", ("Cetak", "Semut", "Cair", "Asli")),
    ("Gula Kelapa", "olahan", ("Cetak", "Semut", "Asli")),
    ("Keripik Singkong", "olahan", ("Balado", "Pedas", "Original", "Manis")),
    ("Keripik Pisang", "olahan", ("Manis", "Asin", "Cokelat", "Original")),
    ("Keripik Tempe", "olahan", ("Pedas", "Original", "Daun Jeruk")),
    ("Kerupuk Udang", "olahan", ("Mentah", "Goreng", "Asli")),
    ("Kerupuk Ikan", "olahan", ("Mentah", "Tenggiri", "Goreng")),
    ("Rengginang", "olahan", ("Ketan", "Terasi", "Mentah")),
    ("Sambal Bawang", "olahan", ("Pedas", "Botol", "Original")),
    ("Sambal Terasi", "olahan", ("Pedas", "Botol", "Matang")),
    ("Madu Hutan", "olahan", ("Murni", "Asli", "Botol")),
    ("Dodol Durian", "olahan", ("Asli", "Kotak", "Manis")),
    ("Tempe", "olahan", ("Daun", "Plastik", "Segar")),
    ("Tahu", "olahan", ("Putih", "Kuning", "Goreng")),
    ("Kue Bolu", "olahan", ("Pandan", "Cokelat", "Kukus")),
    ("Jamu Kunyit Asam", "olahan", ("Botol", "Segar", "Tanpa Pengawet")),
    ("Minyak Kelapa", "olahan", ("Murni", "Botol", "Kampung")),
    ("Beras Merah", "tani", ("Organik", "Pulen", "Karung")),
    ("Beras Putih", "tani", ("Pulen", "Premium", "Karung")),
    ("Jagung Manis", "tani", ("Segar", "Pipil", "Per Ikat")),
    ("Singkong", "tani", ("Segar", "Mentega", "Kupas")),
    ("Ubi Jalar", "tani", ("Ungu", "Merah", "Madu")),
    ("Cabai Rawit", "tani", ("Merah", "Hijau", "Segar")),
    ("Cabai Merah Keriting", "tani", ("Segar", "Besar")),
    ("Bawang Merah", "tani", ("Brebes", "Kering", "Super")),
    ("Tomat", "tani", ("Merah", "Segar", "Sayur")),
    ("Kangkung", "tani", ("Segar", "Per Ikat")),
    ("Bayam", "tani", ("Hijau", "Merah", "Per Ikat")),
    ("Kacang Panjang", "tani", ("Segar", "Per Ikat")),
    ("Kacang Tanah", "tani", ("Kupas", "Kulit", "Kering")),
    ("Pisang Kepok", "tani", ("Matang", "Per Sisir", "Mentah")),
    ("Pisang Raja", "tani", ("Matang", "Per Sisir")),
    ("Durian Montong", "tani", ("Matang", "Per Buah")),
    ("Pepaya California", "tani", ("Matang", "Mengkal")),
    ("Alpukat Mentega", "tani", ("Matang", "Super")),
    ("Petai", "tani", ("Segar", "Per Papan", "Kupas")),
    ("Jahe Merah", "tani", ("Segar", "Kering", "Bubuk")),
    ("Kunyit", "tani", ("Segar", "Bubuk")),
    ("Bibit Durian", "tani", ("Okulasi", "Montong", "Musang King")),
    ("Bibit Kopi", "tani", ("Robusta", "Sambung", "Polybag")),
    ("Pupuk Kompos", "tani", ("Organik", "Karung")),
    ("Telur Ayam Kampung", "ternak", ("Segar", "Per Butir", "Asli")),
    ("Telur Bebek", "ternak", ("Asin", "Segar", "Per Butir")),
    ("Ayam Kampung", "ternak", ("Hidup", "Potong", "Jantan")),
    ("Bebek Petelur", "ternak", ("Hidup", "Siap Bertelur")),
    ("Kambing Etawa", "ternak", ("Jantan", "Betina", "Siap Kurban")),
    ("Sapi Bali", "ternak", ("Jantan", "Siap Kurban")),
    ("Susu Kambing", "ternak", ("Segar", "Botol", "Bubuk")),
    ("Ikan Lele", "ikan", ("Hidup", "Segar", "Konsumsi")),
    ("Ikan Nila", "ikan", ("Hidup", "Segar", "Merah")),
    ("Ikan Gurame", "ikan", ("Hidup", "Konsumsi")),
    ("Ikan Asin Teri", "ikan", ("Medan", "Kering", "Jengki")),
    ("Bibit Ikan Lele", "ikan", ("Sangkuriang", "Ukuran 5 cm")),
    ("Tikar Pandan", "kerajinan", ("Anyaman", "Motif", "Besar")),
    ("Anyaman Bambu", "kerajinan", ("Bakul", "Tampah", "Keranjang")),
    ("Kain Tenun", "kerajinan", ("Ikat", "Songket", "Motif Desa")),
    ("Batik Tulis", "kerajinan", ("Motif Desa", "Katun", "Sutra")),
    ("Kursi Rotan", "kerajinan", ("Set", "Teras", "Anyaman")),
    ("Servis HP", "jasa", ("Ganti LCD", "Baterai", "Cepat")),
    ("Servis Motor", "jasa", ("Ganti Oli", "Tune Up", "Panggilan")),
    ("Jasa Jahit", "jasa", ("Baju", "Seragam", "Permak")),
    ("Ojek Desa", "jasa", ("Antar Jemput", "Pasar", "Sekolah")),
    ("Potong Rambut", "jasa", ("Pria", "Anak", "Panggilan")),
    ("Sewa Tenda", "jasa", ("Hajatan", "Kursi", "Lengkap")),
    ("Kayu Bakar", "lain", ("Kering", "Per Ikat", "Sekubik")),
]

SIZES = ("250 gram", "500 gram", "1 kg", "2 kg", "1 liter", "per ikat", "per buah", "1 karung")
DUSUN = ("Krajan", "Sukamaju", "Karanganyar", "Sidorejo", "Tegalsari", "Wonosari", "Cikaret")
DESCRIPTIONS = (
    "Hasil panen sendiri, dijamin segar.",
    "Bisa diantar dalam desa, ambil di rumah juga boleh.",
    "Harga bisa nego untuk pembelian banyak.",
    "Stok terbatas, pesan dulu lewat Balai.",
    "Kualitas terjamin, sudah langganan warung sekitar.",
    "Buatan ibu-ibu PKK, tanpa pengawet.",
    "Dikirim ke luar desa juga bisa.",
    "Siap setiap hari kecuali Jumat.",
)

# How buyers write a word instead of the seller's way (spelling variants, abbreviations).
TYPED_VARIANTS = {
    "keripik": ("kripik",),
    "telur": ("telor",),
    "sambal": ("sambel",),
    "robusta": ("robsta",),
    "aren": ("arn",),
    "bawang": ("bwg",),
    "cabai": ("cabe", "lombok"),
    "kampung": ("kpg",),
    "durian": ("duren",),
    "petai": ("pete",),
    "pepaya": ("kates",),
    "kerupuk": ("krupuk",),
    "lada": ("merica",),
    "kacang": ("kcg",),
    "jagung": ("jgg",),
    "kelapa": ("klapa",),
    "servis": ("service",),
    "ojek": ("ojeg",),
    "jahit": ("jait",),
    "arabika": ("arabica",),
    "pisang": ("psg",),
    "vanili": ("vanilla",),
    "kunyit": ("kunir",),
    "ayam": ("ayem",),
}


@dataclass(frozen=True)
class Listing:
    id: int
    village_id: int
    product: int  # index into PRODUCTS
    text: str


@dataclass(frozen=True)
class Query:
    typed: str
    product: int
    slip: str


def listings(count: int, villages: int, rng: random.Random) -> list[Listing]:
    made = []
    for listing_id in range(1, count + 1):
        product = rng.randrange(len(PRODUCTS))
        name, category, extras = PRODUCTS[product]
        words = [name]
        if rng.random() < 0.7:
            words.append(rng.choice(extras))
        if rng.random() < 0.5:
            words.append(rng.choice(SIZES))
        description = f"{rng.choice(DESCRIPTIONS)} Dusun {rng.choice(DUSUN)}."
        body = f"{' '.join(words)}\n{CATEGORIES[category]}\n{description}"
        made.append(Listing(listing_id, 1 + listing_id % villages, product, body))
    return made


def _slip(word: str, kind: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)  # keep the first letter, as people do
    if kind == "missing":
        return word[:at] + word[at + 1 :]
    if kind == "swapped":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at] + word[at:]  # doubled


AROUND = ("cari {}", "mau beli {}", "{} murah", "ada {} gak", "jual {} ga", "{} yg bagus")


def queries(rng: random.Random) -> list[Query]:
    """Three slips per product (missing, swapped, doubled letter), each variant, and for
    every third product a slip among other words ("cari kopi robsta murah")."""
    made = []
    for product, (name, _category, _extras) in enumerate(PRODUCTS):
        words = name.lower().split()
        for kind in ("missing", "swapped", "doubled"):
            long = [i for i, w in enumerate(words) if len(w) >= 4]
            typed = list(words)
            if long:
                i = rng.choice(long)
                typed[i] = _slip(words[i], kind, rng)
            made.append(Query(" ".join(typed), product, kind))
        if product % 3 == 0:  # what people type around it, with one slip
            typed = list(words)
            i = max(range(len(words)), key=lambda k: len(words[k]))
            typed[i] = _slip(words[i], "missing", rng)
            around = rng.choice(AROUND)
            made.append(Query(around.format(" ".join(typed)), product, "around"))
        for i, word in enumerate(words):
            for variant in TYPED_VARIANTS.get(word, ()):
                typed = list(words)
                typed[i] = variant
                made.append(Query(" ".join(typed), product, "variant"))
    return made
