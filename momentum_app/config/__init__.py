"""What a page is set to: the settings records and how links read and write them.

This package sits below race/, studies/, talk/ and ui/, which import it; it imports none of
them (only the landscapes and the core).
"""
