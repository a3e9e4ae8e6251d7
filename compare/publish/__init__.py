"""Documents for people who will not run policylab: a report or a redline as a neutral list of blocks
(compare.publish.blocks), written as Word (.docx) or PDF by the writers in this package.
"""
