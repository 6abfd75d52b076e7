"""How much text a column holds: a URL, an indexed text."""

# The URLs LL2's spec leaves unbounded (an image's and its variants', a video's, an info page's, a mission
# patch's, an update's profile image, a launch's infographic): 2,048 characters, the length browsers and
# sitemaps hold URLs to. A record with a longer one is refused with the field named, and a sync stops at it
# for good (every run reads it again), so the bound is well past any URL LL2 serves.
LONG_URL_LENGTH = 2048

# What a text column with an index may hold, as UTF-8: an entry of PostgreSQL's btree holds 2,704 bytes, its
# own header included. (A URL of 2,048 characters is 2,048 bytes; one of non-ASCII letters, up to four times.)
INDEXED_TEXT_BYTES = 2600
