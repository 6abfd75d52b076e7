"""How long a stored URL may be."""

# The URLs LL2's spec leaves unbounded (an image's and its variants', a video's, an info page's, a mission
# patch's, an update's profile image, a launch's infographic): 2,048 characters, the length browsers and
# sitemaps hold URLs to. A record with a longer one is refused with the field named, and a sync stops at it
# for good (every run reads it again), so the bound is well past any URL LL2 serves.
LONG_URL_LENGTH = 2048
