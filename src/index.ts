/** The bundle's entry: one file serves the main and the post step (main.ts tells them apart). */
import { entry } from './main.js'

await entry()
