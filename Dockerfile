# One image for every Bazaar app: the compose file picks the app with its command.
FROM node:20-bookworm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
EXPOSE 3000
CMD ["node", "dist/apps/gateway/src/main.js"]
