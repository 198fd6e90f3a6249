FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci
COPY src ./src
COPY migrations ./migrations
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
EXPOSE 8080
CMD ["node", "dist/main.js"]
